import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Irreversible: 'void' and 'refunded' both become 'cancelled'; which was
 * which is lost. TypeORM has no marker for that; a down that throws is the
 * convention dbrollback reads as "irreversible" (undo refuses it before
 * touching anything).
 */
export class CollapseOrderStatuses1704067200007 implements MigrationInterface {
  name = 'CollapseOrderStatuses1704067200007';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "public"."orders" SET "status" = $1 WHERE "status" IN ($2, $3)`, ['cancelled', 'void', 'refunded']);
  }

  public async down(): Promise<void> {
    throw new Error('irreversible: which orders were void and which refunded is lost');
  }
}
