import { MigrationInterface, QueryRunner } from 'typeorm';

/** Data rewrite: fill products.sku_normalized (it was NULL before; the down clears it). */
export class BackfillProductSku1704067200006 implements MigrationInterface {
  name = 'BackfillProductSku1704067200006';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "public"."products" SET "sku_normalized" = upper("sku") WHERE "sku_normalized" IS NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "public"."products" SET "sku_normalized" = NULL`);
  }
}
