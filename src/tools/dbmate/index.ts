/**
 * dbmate: one `VERSION_name.sql` per migration with `-- migrate:up` /
 * `-- migrate:down` blocks, history in `schema_migrations (version)`; run
 * through the real dbmate (the npm package ships its binary).
 */
import type { MigrationTool } from '../tool.js';
import { detectDbmate } from './detect.js';
import { headOf, tableOf } from './history.js';
import { APPLIED_AT_NOTE, createDbmateAdapter } from './run.js';
import { DBMATE_SQL_READER } from './sql-file.js';

export const dbmate: MigrationTool<'dbmate'> = {
  kind: 'dbmate',
  displayName: 'dbmate',
  needsMigrationsDir: true,
  hasDowns: true,
  // dbmate takes no lock of its own.
  locks: [],
  detect: detectDbmate,
  historyTables: (settings) => {
    const t = tableOf(settings);
    // golang-migrate's schema_migrations has a dirty column too: without it, the table is dbmate's.
    return [{ schema: t.schema ?? 'public', table: t.table, columns: ['version'], without: ['dirty'] }];
  },
  readHead: headOf,
  open: createDbmateAdapter,
  sqlFiles: DBMATE_SQL_READER,
  appliedAtNote: APPLIED_AT_NOTE,
  migrationsTableHelp: 'schema_migrations (as --migrations-table; schema.table allowed)',
};
