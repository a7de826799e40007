/**
 * Prisma (prisma/migrations/<timestamp>_<name>/migration.sql): applied as
 * `prisma migrate deploy` applies them, `_prisma_migrations` written exactly
 * as deploy writes it, under Prisma Migrate's advisory lock; no down
 * migrations, so every way back is a restore.
 */
import type { MigrationTool } from '../tool.js';
import { detectPrisma } from './detect.js';
import { DEFAULT_SCHEMA, isApplied, PRISMA_TABLE, readRows } from './history.js';
import { createPrismaAdapter, PRISMA_LOCK, PRISMA_NAME } from './run.js';
import { PRISMA_SQL_READER } from './sql-file.js';

export const prisma: MigrationTool<'prisma'> = {
  kind: 'prisma',
  displayName: PRISMA_NAME,
  needsMigrationsDir: true,
  hasDowns: false,
  locks: [PRISMA_LOCK],
  detect: detectPrisma,
  // The table's name is fixed; its schema is the datasource's (migrationsSchema).
  historyTables: (settings) => [{ schema: settings.migrationsSchema ?? DEFAULT_SCHEMA, table: PRISMA_TABLE, columns: ['id', 'checksum', 'finished_at', 'migration_name', 'rolled_back_at', 'started_at', 'applied_steps_count'] }],
  // As its status lists them: applied rows oldest first, a name re-applied after a rollback counted once, where it first appears.
  readHead: async (db, settings) => ({ head: [...new Set((await readRows(db, settings.migrationsSchema ?? DEFAULT_SCHEMA)).filter(isApplied).map((r) => r.migrationName))].at(-1) ?? null }),
  open: createPrismaAdapter,
  sqlFiles: PRISMA_SQL_READER,
};
