import { MigrationInterface, QueryRunner } from 'typeorm';

/** Destructive: the down brings the column back, empty — the dropped values are gone. */
export class DropCustomerLegacyCode1704067200005 implements MigrationInterface {
  name = 'DropCustomerLegacyCode1704067200005';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "public"."customers" DROP COLUMN "legacy_code"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "public"."customers" ADD "legacy_code" text`);
  }
}
