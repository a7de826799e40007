import { MigrationInterface, QueryRunner } from 'typeorm';

/** Breaking (old code still reads orders.note) but reversible. */
export class RenameOrderNote1704067200004 implements MigrationInterface {
  name = 'RenameOrderNote1704067200004';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "public"."orders" RENAME COLUMN "note" TO "customer_note"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "public"."orders" RENAME COLUMN "customer_note" TO "note"`);
  }
}
