import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddWorkshopSlug1712131512000 implements MigrationInterface {
  name = 'AddWorkshopSlug1712131512000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workshop" ADD "slug" character varying`);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_2c5e7b4e1c9d0f3a8b6e4d2a1f" ON "workshop" ("slug") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_2c5e7b4e1c9d0f3a8b6e4d2a1f"`);
    await queryRunner.query(`ALTER TABLE "workshop" DROP COLUMN "slug"`);
  }
}
