/**
 * Drizzle (drizzle-kit's migrations folder, drizzle-orm's migrator): history
 * in "drizzle"."__drizzle_migrations" written exactly as drizzle-orm writes
 * it; no down migrations, so every way back is a restore.
 */
import type { MigrationTool } from '../tool.js';
import { detectDrizzle } from './detect.js';
import { DEFAULT_SCHEMA, DEFAULT_TABLE, readRows } from './history.js';
import { createDrizzleAdapter, DRIZZLE_NAME } from './run.js';
import { DRIZZLE_SQL_READER } from './sql-file.js';

export const drizzle: MigrationTool<'drizzle'> = {
  kind: 'drizzle',
  displayName: DRIZZLE_NAME,
  needsMigrationsDir: true,
  hasDowns: false,
  // drizzle-orm's migrator takes no lock.
  locks: [],
  detect: detectDrizzle,
  historyTables: (settings) => [{ schema: settings.migrationsSchema ?? DEFAULT_SCHEMA, table: settings.migrationsTable ?? DEFAULT_TABLE, columns: ['id', 'hash', 'created_at'] }],
  // Its rows are a hash of each migration.sql and the journal's `when`: the migration's name (its tag) is only in the journal.
  readHead: async (db, settings) => {
    const rows = await readRows(db, { schema: settings.migrationsSchema ?? DEFAULT_SCHEMA, table: settings.migrationsTable ?? DEFAULT_TABLE });
    if (rows.length === 0) return { head: null };
    return { unnamed: "drizzle-orm records each migration's hash and its journal time (created_at), not its name: the name (its tag) is in the project's meta/_journal.json" };
  },
  open: createDrizzleAdapter,
  sqlFiles: DRIZZLE_SQL_READER,
  migrationsTableHelp: `${DEFAULT_TABLE} (in schema ${DEFAULT_SCHEMA})`,
};
