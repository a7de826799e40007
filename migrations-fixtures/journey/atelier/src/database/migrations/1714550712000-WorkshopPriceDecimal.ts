import { MigrationInterface, QueryRunner } from 'typeorm';

/** What migration:generate writes for a changed column type: the column dropped and added again. */
export class WorkshopPriceDecimal1714550712000 implements MigrationInterface {
  name = 'WorkshopPriceDecimal1714550712000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workshop" DROP COLUMN "price"`);
    await queryRunner.query(`ALTER TABLE "workshop" ADD "price" numeric(10,2) NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workshop" DROP COLUMN "price"`);
    await queryRunner.query(`ALTER TABLE "workshop" ADD "price" integer NOT NULL DEFAULT '0'`);
  }
}
