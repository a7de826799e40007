/** Data rewrite with the query builder: fill products.sku_normalized (it was NULL before; the down clears it). */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex('products').whereNull('sku_normalized').update({ sku_normalized: knex.raw('upper(sku)') });
}

export async function down(knex: Knex): Promise<void> {
  await knex('products').update({ sku_normalized: null });
}
