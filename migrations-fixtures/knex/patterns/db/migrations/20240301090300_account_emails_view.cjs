// module.exports = { up, down } in a .cjs file (in knex's default loadExtensions).
function up(knex) {
  return knex.schema.raw('CREATE VIEW account_emails AS SELECT id, lower(email) AS email FROM accounts');
}

function down(knex) {
  return knex.schema.raw('DROP VIEW account_emails');
}

module.exports = { up, down };
