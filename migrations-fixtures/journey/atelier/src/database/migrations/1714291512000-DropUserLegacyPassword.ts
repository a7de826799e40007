import { MigrationInterface, QueryRunner } from 'typeorm';

export class DropUserLegacyPassword1714291512000 implements MigrationInterface {
  name = 'DropUserLegacyPassword1714291512000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "legacy_password_hash"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "user" ADD "legacy_password_hash" character varying`);
  }
}
