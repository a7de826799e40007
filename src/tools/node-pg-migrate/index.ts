/**
 * node-pg-migrate: migrations applied and undone through its own runner (its
 * lock, its history writes, its transactions); history in its table
 * (default public.pgmigrations).
 */
import type { MigrationTool } from '../tool.js';
import { captureFiles } from './capture.js';
import { detectNodePgMigrate } from './detect.js';
import { DEFAULT_SCHEMA, DEFAULT_TABLE, readHistory } from './history.js';
import { createNodePgMigrateAdapter, NODE_PG_MIGRATE_LOCK } from './run.js';
import { NODE_PG_MIGRATE_SQL_READER } from './sql-file.js';

export const nodePgMigrate: MigrationTool<'node-pg-migrate'> = {
  kind: 'node-pg-migrate',
  displayName: 'node-pg-migrate',
  needsMigrationsDir: true,
  hasDowns: true,
  rehearsesRoundTrip: true,
  locks: [NODE_PG_MIGRATE_LOCK],
  detect: detectNodePgMigrate,
  historyTables: (settings) => [{ schema: settings.migrationsSchema ?? DEFAULT_SCHEMA, table: settings.migrationsTable ?? DEFAULT_TABLE, columns: ['id', 'name', 'run_on'] }],
  readHead: async (db, settings) => ({ head: (await readHistory(db, settings.migrationsSchema ?? DEFAULT_SCHEMA, settings.migrationsTable ?? DEFAULT_TABLE)).at(-1)?.name ?? null }),
  open: createNodePgMigrateAdapter,
  sqlFiles: NODE_PG_MIGRATE_SQL_READER,
  capture: { files: captureFiles },
  appliedAtNote: "node-pg-migrate stores run_on without a time zone (read here in this process's zone, which must be the server's)",
  migrationsTableHelp: DEFAULT_TABLE,
};
