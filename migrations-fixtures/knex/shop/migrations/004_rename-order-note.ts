/** Breaking (old code still reads orders.note) but reversible. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.renameColumn('note', 'customer_note');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.renameColumn('customer_note', 'note');
  });
}
