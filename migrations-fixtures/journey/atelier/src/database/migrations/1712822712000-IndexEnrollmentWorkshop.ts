import { MigrationInterface, QueryRunner } from 'typeorm';

/** CONCURRENTLY cannot run in a transaction block: TypeORM runs this one outside any. */
export class IndexEnrollmentWorkshop1712822712000 implements MigrationInterface {
  name = 'IndexEnrollmentWorkshop1712822712000';
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "IDX_enrollment_workshop_id" ON "enrollment" ("workshop_id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_enrollment_workshop_id"`);
  }
}
