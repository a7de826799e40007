import { MigrationInterface, QueryRunner } from 'typeorm';

/** Additive: a nullable column; old code keeps working. */
export class AddCustomerPhone1704067200002 implements MigrationInterface {
  name = 'AddCustomerPhone1704067200002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "public"."customers" ADD "phone" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "public"."customers" DROP COLUMN "phone"`);
  }
}
