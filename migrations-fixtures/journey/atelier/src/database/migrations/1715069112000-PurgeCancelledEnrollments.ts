import { MigrationInterface, QueryRunner } from 'typeorm';

export class PurgeCancelledEnrollments1715069112000 implements MigrationInterface {
  name = 'PurgeCancelledEnrollments1715069112000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "enrollment" WHERE "status" = 'cancelled'`);
  }

  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  public async down(queryRunner: QueryRunner): Promise<void> {}
}
