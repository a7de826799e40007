/** The shop's first schema, with Knex's schema builder: customers, products, orders and their items. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customers', (t) => {
    t.increments('id');
    t.text('email').notNullable().unique();
    t.text('name').notNullable();
    t.text('legacy_code');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('products', (t) => {
    t.increments('id');
    t.text('sku').notNullable().unique();
    t.text('sku_normalized');
    t.text('name').notNullable();
    t.integer('price_cents').notNullable();
    t.check('?? >= 0', ['price_cents'], 'products_price_cents_check');
  });
  await knex.schema.createTable('orders', (t) => {
    t.increments('id');
    t.integer('customer_id').notNullable().references('id').inTable('customers');
    t.text('status').notNullable().defaultTo('pending');
    t.text('note');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('order_items', (t) => {
    t.increments('id');
    t.integer('order_id').notNullable().references('id').inTable('orders').onDelete('CASCADE');
    t.integer('product_id').notNullable().references('id').inTable('products');
    t.integer('quantity').notNullable();
    t.integer('unit_price_cents').notNullable();
    t.check('?? > 0', ['quantity'], 'order_items_quantity_check');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('order_items').dropTable('orders').dropTable('products').dropTable('customers');
}
