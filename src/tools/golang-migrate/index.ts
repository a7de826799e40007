/**
 * golang-migrate (v4): `VERSION_name.up.sql` / `.down.sql` paired by
 * version, its one-row `schema_migrations (version, dirty)` and its advisory
 * lock — all done here exactly as its postgres driver does them, since
 * golang-migrate is a Go program that is not installed here.
 */
import type { MigrationTool } from '../tool.js';
import { detectGolangMigrate } from './detect.js';
import { headOf, tableOf } from './history.js';
import { golangMigrateLock } from './lock.js';
import { APPLIED_AT_NOTE, createGolangMigrateAdapter, dirtyError } from './run.js';
import { GOLANG_MIGRATE_SQL_READER } from './sql-file.js';

export const golangMigrate: MigrationTool<'golang-migrate'> = {
  kind: 'golang-migrate',
  displayName: 'golang-migrate',
  needsMigrationsDir: true,
  hasDowns: true,
  locks: [golangMigrateLock({ schema: null, table: 'schema_migrations' }, (version) => dirtyError('schema_migrations', version, ''))],
  detect: detectGolangMigrate,
  historyTables: (settings) => {
    const t = tableOf(settings);
    // dbmate's schema_migrations has a version and no dirty: the dirty column is what makes it golang-migrate's.
    return [{ schema: t.schema ?? 'public', table: t.table, columns: ['version', 'dirty'] }];
  },
  readHead: headOf,
  open: createGolangMigrateAdapter,
  sqlFiles: GOLANG_MIGRATE_SQL_READER,
  appliedAtNote: APPLIED_AT_NOTE,
  migrationsTableHelp: 'schema_migrations (as x-migrations-table; "schema"."table" in double quotes as x-migrations-table-quoted)',
  configKeys: [{ key: 'golangMigrate', help: 'golang-migrate only (.mjs/.js config): { multiStatement: true, multiStatementMaxSize: N } as the x-multi-statement and x-multi-statement-max-size URL options' }],
};
