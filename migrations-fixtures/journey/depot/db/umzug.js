'use strict';
/**
 * The project's migrator. A pg Pool is umzug's context; migrations are
 * CommonJS `.js` files (umzug's own resolver requires them) and plain SQL
 * pairs, `NAME.up.sql` with `NAME.down.sql` beside it, as umzug's README
 * shows. Names drop the extension, so `db/migrations/2024.03.01T09.00.00.x.js`
 * is recorded as `2024.03.01T09.00.00.x`.
 */
const fs = require('node:fs');
const path = require('node:path');
const { Pool } = require('pg');
const { Umzug } = require('umzug');
const { MigrationLog } = require('./migration-log');

const MIGRATIONS = path.join(__dirname, 'migrations');

function makeMigrator({ connectionString = process.env.DATABASE_URL, logger = undefined } = {}) {
  const pool = new Pool({ connectionString, max: 2, application_name: 'depot-migrate' });
  return new Umzug({
    migrations: {
      glob: ['*.{js,up.sql}', { cwd: MIGRATIONS }],
      resolve: (params) => {
        const name = params.name.replace(/\.(up\.sql|js)$/, '');
        if (!params.path.endsWith('.up.sql')) return { ...Umzug.defaultResolver(params), name };
        return {
          name,
          path: params.path,
          up: async ({ context }) => context.query(fs.readFileSync(params.path, 'utf8')),
          down: async ({ context }) => context.query(fs.readFileSync(params.path.replace(/\.up\.sql$/, '.down.sql'), 'utf8')),
        };
      },
    },
    context: pool,
    storage: new MigrationLog(),
    logger,
  });
}

module.exports = { makeMigrator, MIGRATIONS };
