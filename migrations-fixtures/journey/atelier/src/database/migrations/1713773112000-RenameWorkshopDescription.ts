import { MigrationInterface, QueryRunner } from 'typeorm';

export class RenameWorkshopDescription1713773112000 implements MigrationInterface {
  name = 'RenameWorkshopDescription1713773112000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workshop" RENAME COLUMN "description" TO "summary"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workshop" RENAME COLUMN "summary" TO "description"`);
  }
}
