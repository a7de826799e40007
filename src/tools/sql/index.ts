/**
 * Plain SQL files (`NNN_name.up.sql` with an optional `NNN_name.down.sql`),
 * dbrollback itself as the migration tool: history in
 * public.dbrollback_migrations, its own advisory lock while it applies or
 * undoes.
 */
import type { MigrationTool } from '../tool.js';
import { detectSql } from './detect.js';
import { SQL_FILE_READER } from './files.js';
import { readHistory, SQL_HISTORY } from './history.js';
import { createSqlDirAdapter, SQL_DIR_LOCK } from './run.js';

export const sql: MigrationTool<'sql'> = {
  kind: 'sql',
  displayName: 'plain SQL files (NNN_name.up.sql / NNN_name.down.sql)',
  needsMigrationsDir: true,
  hasDowns: true,
  rehearsesRoundTrip: true,
  locks: [SQL_DIR_LOCK],
  detect: detectSql,
  historyTables: () => [{ ...SQL_HISTORY, columns: ['name', 'applied_at', 'checksum'] }],
  readHead: async (db) => ({ head: (await readHistory(db)).at(-1)?.name ?? null }),
  open: createSqlDirAdapter,
  sqlFiles: SQL_FILE_READER,
};
