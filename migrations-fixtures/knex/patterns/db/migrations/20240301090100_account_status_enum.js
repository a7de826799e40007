// Raw SQL through knex.raw: a type the schema builder would only make inline.
exports.up = async function (knex) {
  await knex.raw("CREATE TYPE account_status AS ENUM ('active', 'suspended')");
  await knex.raw("ALTER TABLE accounts ADD COLUMN status account_status NOT NULL DEFAULT 'active'");
};

exports.down = async function (knex) {
  await knex.raw('ALTER TABLE accounts DROP COLUMN status');
  await knex.raw('DROP TYPE account_status');
};
