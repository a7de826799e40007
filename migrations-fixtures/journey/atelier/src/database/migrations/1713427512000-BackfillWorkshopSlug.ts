import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every workshop gets a slug from its title (id appended so they stay unique); then the column is required. */
export class BackfillWorkshopSlug1713427512000 implements MigrationInterface {
  name = 'BackfillWorkshopSlug1713427512000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "workshop" SET "slug" = trim(both '-' from regexp_replace(lower("title"), '[^a-z0-9]+', '-', 'g')) || '-' || "id" WHERE "slug" IS NULL`,
    );
    await queryRunner.query(`ALTER TABLE "workshop" ALTER COLUMN "slug" SET NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workshop" ALTER COLUMN "slug" DROP NOT NULL`);
  }
}
