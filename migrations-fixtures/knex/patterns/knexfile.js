// A CommonJS knexfile with one config (no environments), a custom history
// table and a migrations directory of its own, as many older projects have.
module.exports = {
  client: 'postgresql',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: 4 },
  migrations: {
    directory: './db/migrations',
    tableName: 'knex_history',
  },
};
