import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payments', (table) => {
    table.bigIncrements('id');
    table.integer('booking_id').references('bookings.id').onDelete('SET NULL');
    table.decimal('amount', 10, 2).notNullable();
    table.string('currency', 3).notNullable().defaultTo('EUR');
    table.timestamps(true, true);
  });
  // Classes attended before payments were recorded: the drop-in price.
  await knex.raw("INSERT INTO payments (booking_id, amount) SELECT id, 15.00 FROM bookings WHERE status = 'attended' ORDER BY id");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payments');
}
