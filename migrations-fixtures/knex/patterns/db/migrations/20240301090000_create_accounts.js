// The schema builder, returned (not awaited): the CommonJS style `knex migrate:make` writes.
exports.up = function (knex) {
  return knex.schema.createTable('accounts', function (table) {
    table.increments();
    table.string('email').notNullable().unique();
    table.timestamps(true, true);
  });
};

exports.down = function (knex) {
  return knex.schema.dropTable('accounts');
};
