exports.up = function (knex) {
  return knex.schema.alterTable('members', (table) => {
    table.dropColumn('legacy_id');
  });
};

exports.down = function (knex) {
  return knex.schema.alterTable('members', (table) => {
    table.integer('legacy_id');
  });
};
