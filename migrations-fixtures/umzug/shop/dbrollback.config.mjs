/**
 * dbrollback config for an umzug project: export the project's Umzug instance
 * as `umzug` — here a function, so dbrollback can hand it the database URL
 * (and the migrations directory when --migrations is given).
 *
 * The pattern worth copying: one transaction per migration, opened when
 * umzug announces it (`migrating` / `reverting`) and committed once umzug has
 * recorded it (`migrated` / `reverted`), so a migration and its history row
 * commit together. A migration exporting `transaction = false` (CREATE INDEX
 * CONCURRENTLY) runs without one. Whatever is still open when the command
 * ends (a failure) is rolled back, and the connection is closed.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { Umzug } from 'umzug';
import { PgStorage } from './pg-storage.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function umzug({ databaseUrl = process.env.DATABASE_URL, migrationsDir = path.join(here, 'migrations') } = {}) {
  const noTransaction = new Set();

  const instance = new Umzug({
    migrations: async () => {
      const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.mjs')).sort();
      return Promise.all(
        files.map(async (file) => {
          const filePath = path.join(migrationsDir, file);
          const migration = await import(pathToFileURL(filePath).href);
          const name = file.replace(/\.mjs$/, '');
          if (migration.transaction === false) noTransaction.add(name);
          return { name, path: filePath, up: migration.up, down: migration.down };
        }),
      );
    },
    // A fresh connection per umzug command; closed in afterCommand below.
    context: async () => {
      const client = new pg.Client({ connectionString: databaseUrl, application_name: 'shop-umzug' });
      await client.connect();
      return { client, inTransaction: false };
    },
    storage: new PgStorage(),
    logger: undefined,
  });

  const begin = async ({ name, context }) => {
    if (noTransaction.has(name)) return;
    await context.client.query('BEGIN');
    context.inTransaction = true;
  };
  const commit = async ({ context }) => {
    if (!context.inTransaction) return;
    await context.client.query('COMMIT');
    context.inTransaction = false;
  };
  instance.on('migrating', begin);
  instance.on('reverting', begin);
  instance.on('migrated', commit);
  instance.on('reverted', commit);
  instance.on('afterCommand', async ({ context }) => {
    if (context.inTransaction) await context.client.query('ROLLBACK').catch(() => undefined);
    await context.client.end();
  });
  return instance;
}

/** The table PgStorage keeps umzug's history in: dbrollback's verify expects undo to change its rows. */
export const migrationsTable = 'umzug_migrations';
