/**
 * The shop's knexfile, as `knex init -x ts` lays one out: one config per
 * environment. dbrollback reads the environment's `migrations` settings and
 * runs Knex on the database given with --database-url (the connection below
 * is what the knex CLI itself would use).
 */
import type { Knex } from 'knex';

const shared: Knex.Config = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: {
    directory: './migrations',
    tableName: 'knex_migrations',
    extension: 'ts',
  },
};

// knex picks the config of NODE_ENV (else development), as dbrollback does.
const config: { [key: string]: Knex.Config } = {
  development: shared,
  test: shared,
  production: { ...shared, pool: { min: 2, max: 10 } },
};

module.exports = config;
