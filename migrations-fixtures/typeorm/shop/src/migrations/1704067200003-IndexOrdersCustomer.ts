import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CREATE INDEX CONCURRENTLY cannot run inside a transaction block:
 * `transaction = false` makes TypeORM run this migration outside one
 * (migration:run with the "each" mode; revert with -t false).
 */
export class IndexOrdersCustomer1704067200003 implements MigrationInterface {
  name = 'IndexOrdersCustomer1704067200003';
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX CONCURRENTLY "orders_customer_id_idx" ON "public"."orders" ("customer_id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY "public"."orders_customer_id_idx"`);
  }
}
