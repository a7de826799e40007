/**
 * CREATE INDEX CONCURRENTLY cannot run inside a transaction block: Knex runs
 * a migration outside its transaction when it exports config.transaction = false.
 */
import type { Knex } from 'knex';

export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY orders_customer_id_idx');
}
