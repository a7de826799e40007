/**
 * Flyway (V<version>__<description>.sql, U… undo scripts of Flyway Teams,
 * R__ repeatables): Flyway is a Java program not installable here, so
 * dbrollback applies and undoes the scripts itself, keeping
 * flyway_schema_history exactly as Flyway 12 keeps it, under Flyway's own
 * advisory lock. A version without a U script cannot be undone: the way
 * back is a restore. The project's Flyway configuration (config.ts) gives
 * the history table's name and schema where dbrollback's settings do not.
 */
import type { HistorySettings, MigrationTool } from '../tool.js';
import { configOrDefaults } from './config.js';
import { detectFlyway } from './detect.js';
import { headOf } from './head.js';
import { DEFAULT_SCHEMA, DEFAULT_TABLE } from './history.js';
import { createFlywayAdapter, FLYWAY_NAME, flywayLock } from './run.js';
import { FLYWAY_SQL_READER } from './sql-file.js';

export const flyway: MigrationTool<'flyway'> = {
  kind: 'flyway',
  displayName: FLYWAY_NAME,
  needsMigrationsDir: true,
  hasDowns: true,
  locks: [flywayLock({ schema: DEFAULT_SCHEMA, table: DEFAULT_TABLE })],
  detect: detectFlyway,
  historyTables: (settings) => [{ ...configuredTable(settings), columns: ['installed_rank', 'version', 'description', 'type', 'script', 'checksum', 'installed_by', 'success'] }],
  // Read where detection found it: the settings, else the Flyway configuration's table.
  readHead: (db, settings) => {
    const config = configOrDefaults();
    return headOf(db, configuredTable(settings, config), config.naming);
  },
  open: createFlywayAdapter,
  sqlFiles: FLYWAY_SQL_READER,
  appliedAtNote: 'Flyway stores installed_on without a time zone (the server\'s now() in the zone of the session that ran it; read here in this process\'s zone)',
  migrationsTableHelp: `${DEFAULT_TABLE} (Flyway's "table" setting; migrationsSchema is its defaultSchema)`,
};

/** Where detection looks for the history: dbrollback's settings, else the Flyway configuration's, else Flyway's defaults. */
function configuredTable(settings: HistorySettings, config = configOrDefaults()): { schema: string; table: string } {
  return { schema: settings.migrationsSchema ?? config.defaultSchema ?? DEFAULT_SCHEMA, table: settings.migrationsTable ?? config.table ?? DEFAULT_TABLE };
}

