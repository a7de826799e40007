// Every member needs a phone for class cancellations: the missing ones get a
// placeholder, then the column is NOT NULL. The down cannot tell the
// placeholders from real numbers.
exports.up = async function (knex) {
  await knex('members').whereNull('phone').update({ phone: 'unknown' });
  await knex.schema.alterTable('members', (table) => {
    table.string('phone').notNullable().alter();
  });
};

exports.down = function (knex) {
  return knex.schema.alterTable('members', (table) => {
    table.string('phone').nullable().alter();
  });
};
