/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.up = function (knex) {
  return knex.schema
    .createTable('members', (table) => {
      table.increments('id');
      table.string('email').notNullable().unique();
      table.string('full_name').notNullable();
      table.string('phone');
      // The member number of the booking system this app replaced.
      table.integer('legacy_id');
      table.timestamps(true, true);
    })
    .createTable('instructors', (table) => {
      table.increments('id');
      table.string('name').notNullable();
      table.text('bio');
    });
};

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.down = function (knex) {
  return knex.schema.dropTableIfExists('instructors').dropTableIfExists('members');
};
