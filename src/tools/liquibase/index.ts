/**
 * Liquibase: history in DATABASECHANGELOG (identity id + author + filename),
 * its lock in DATABASECHANGELOGLOCK. Formatted SQL changelogs are run by
 * dbrollback itself, writing the history exactly as Liquibase 4.28 does;
 * XML/YAML/JSON changelogs by the real Liquibase (run.ts says which when),
 * which also prints their SQL for classify and plan (generated-sql.ts).
 */
import type { MigrationTool } from '../tool.js';
import { detectLiquibase } from './detect.js';
import { DEFAULT_SCHEMA, DEFAULT_TABLE } from './history.js';
import { headOf } from './head.js';
import { createLiquibaseAdapter, liquibaseLock } from './run.js';
import { LIQUIBASE_SQL_READER } from './sql-file.js';
import { captureChangelogs, claimsChangelog } from './capture.js';

export const liquibase: MigrationTool<'liquibase'> = {
  kind: 'liquibase',
  displayName: 'Liquibase',
  needsMigrationsDir: true,
  hasDowns: true,
  locks: [liquibaseLock({ schema: DEFAULT_SCHEMA, table: DEFAULT_TABLE })],
  detect: detectLiquibase,
  historyTables: (settings) => [
    { schema: settings.migrationsSchema ?? DEFAULT_SCHEMA, table: (settings.migrationsTable ?? DEFAULT_TABLE).toLowerCase(), columns: ['id', 'author', 'filename', 'orderexecuted', 'md5sum'] },
  ],
  readHead: headOf,
  open: createLiquibaseAdapter,
  sqlFiles: LIQUIBASE_SQL_READER,
  // XML/YAML/JSON changelogs: classify asks the real Liquibase for their SQL.
  capture: { claims: claimsChangelog, readsCode: false, files: captureChangelogs },
  appliedAtNote: "Liquibase stores DATEEXECUTED without a time zone, in the zone of the machine that ran it (read here in this process's zone)",
  migrationsTableHelp: `${DEFAULT_TABLE} (its lock table is the same name + "lock")`,
};
