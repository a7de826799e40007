// The studio's knexfile: one config per environment, the migrations and seeds
// under db/, Knex's default history table named out loud.
const shared = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: {
    directory: './db/migrations',
    tableName: 'knex_migrations',
  },
  seeds: {
    directory: './db/seeds',
  },
};

module.exports = {
  development: shared,
  production: { ...shared, pool: { min: 2, max: 10 } },
};
