/**
 * TypeORM: migrations (MigrationInterface classes, TypeScript loaded as the
 * typeorm CLI loads it) applied and undone through TypeORM's own runner on
 * a DataSource of the project's; history in its `migrations` table
 * (id, timestamp, name), which keeps no applied-at times. Migrations are
 * code: their SQL is captured in a scratch database.
 */
import type { MigrationTool } from '../tool.js';
import { captureDowns, captureFiles } from './capture.js';
import { detectTypeorm } from './detect.js';
import { DEFAULT_TABLE } from './project.js';
import { readHistory } from './history.js';
import { createTypeormAdapter } from './run.js';

export const typeorm: MigrationTool<'typeorm'> = {
  kind: 'typeorm',
  displayName: 'TypeORM',
  // The DataSource lists its migrations.
  needsMigrationsDir: false,
  hasDowns: true,
  // TypeORM takes no lock of its own.
  locks: [],
  detect: detectTypeorm,
  historyTables: (settings) => [{ schema: settings.migrationsSchema ?? 'public', table: settings.migrationsTable ?? DEFAULT_TABLE, columns: ['id', 'timestamp', 'name'] }],
  // Its rows name the migration classes; the last by id is the one TypeORM's revert undoes, and the adapter's head.
  readHead: async (db, settings) => ({ head: (await readHistory(db, { schema: settings.migrationsSchema ?? 'public', table: settings.migrationsTable ?? DEFAULT_TABLE })).at(-1)?.name ?? null }),
  open: createTypeormAdapter,
  capture: { files: captureFiles, downs: captureDowns },
  migrationsTableHelp: `${DEFAULT_TABLE} (else the DataSource's migrationsTableName)`,
};
