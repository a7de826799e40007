// .alter() restates the column: Knex drops its default unless the builder names it again.
exports.up = function (knex) {
  return knex.schema.alterTable('classes', (table) => {
    table.smallint('capacity').notNullable().alter();
  });
};

exports.down = function (knex) {
  return knex.schema.alterTable('classes', (table) => {
    table.integer('capacity').notNullable().defaultTo(12).alter();
  });
};
