/**
 * Knex: migrations applied and undone through the project's own Knex
 * Migrator (knexfile settings, TypeScript loaded as the knex CLI loads it);
 * history in knex_migrations (batches), its lock in knex_migrations_lock.
 * Migrations are code: their SQL is captured in a scratch database.
 */
import type { MigrationTool } from '../tool.js';
import { captureDowns, captureFiles } from './capture.js';
import { detectKnex } from './detect.js';
import { knexLock, readHistory } from './history.js';
import { DEFAULT_TABLE } from './project.js';
import { createKnexAdapter } from './run.js';

export const knex: MigrationTool<'knex'> = {
  kind: 'knex',
  displayName: 'knex',
  // The knexfile names its migrations directory.
  needsMigrationsDir: false,
  hasDowns: true,
  locks: [knexLock({ schema: null, table: DEFAULT_TABLE })],
  detect: detectKnex,
  historyTables: (settings) => [{ schema: settings.migrationsSchema ?? 'public', table: settings.migrationsTable ?? DEFAULT_TABLE, columns: ['id', 'name', 'batch', 'migration_time'] }],
  // Its rows name the migration files; the last by id is the head, as the adapter (and `knex migrate:list`) reads them.
  readHead: async (db, settings) => ({ head: (await readHistory(db, { schema: settings.migrationsSchema ?? 'public', table: settings.migrationsTable ?? DEFAULT_TABLE })).at(-1)?.name ?? null }),
  open: createKnexAdapter,
  capture: { files: captureFiles, downs: captureDowns },
  migrationsTableHelp: `${DEFAULT_TABLE} (else the knexfile's migrations.tableName)`,
};
