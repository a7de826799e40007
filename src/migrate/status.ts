/**
 * `status`: what the migration tool has applied and what is pending, whether
 * each migration can be undone, whether a restore point was made before it,
 * and who holds a lock right now.
 */
import { listRestorePoints, type RestorePointRecord } from '../backup/restore-points.js';
import { advisoryLockHolder, DBROLLBACK_LOCK_ID, type LockHolder } from '../db/lock.js';
import type { MigrationStatus } from '../tools/contract.js';
import { unfinishedRuns, type UnfinishedRun } from '../audit/journal.js';
import { describeConn } from '../db/conninfo.js';
import type { RunContext } from '../run/run-context.js';
import { toolOf } from '../tools/registry.js';

export interface StatusReport extends MigrationStatus {
  database: string;
  /** A dbrollback run (undo/restore) holding dbrollback's lock on this database, if any. */
  dbrollbackLockHolder: LockHolder | null;
  /** Runs on this database that started and never finished (from the storage's journal; empty without a storage). */
  unfinishedRuns: UnfinishedRun[];
  /**
   * Per applied migration, the restore point `migrate` made just before it
   * (absent: none recorded); null when no storage is configured to look in.
   */
  restorePoints: Map<string, RestorePointRecord> | null;
  /** Why the restore points could not be read from the configured storage (status still answers). */
  restorePointsProblem: string | null;
  /** Whether the tool has down migrations at all; without them (Drizzle, Prisma) the way back past any migration is a restore. */
  toolHasDowns: boolean;
  /** The tool as people write it ("Prisma"), for messages. */
  toolName: string;
}

export async function status(run: RunContext): Promise<StatusReport> {
  const adapter = await run.adapter();
  const migrationStatus = await adapter.status();
  const dbrollbackLockHolder = await advisoryLockHolder(await run.session.db(), DBROLLBACK_LOCK_ID);
  const database = describeConn(run.conn);
  let unfinished: UnfinishedRun[] = [];
  let restorePoints: Map<string, RestorePointRecord> | null = null;
  let restorePointsProblem: string | null = null;
  if (run.hasStorage) {
    try {
      restorePoints = newestPointPerMigration(await listRestorePoints(run.storage, { database: run.conn.database }));
      unfinished = (await unfinishedRuns(run.storage)).filter((r) => r.database === database);
    } catch (err) {
      restorePointsProblem = err instanceof Error ? err.message : String(err);
    }
  }
  const tool = toolOf(migrationStatus.migrator);
  return {
    ...migrationStatus,
    database: run.conn.database,
    dbrollbackLockHolder,
    restorePoints,
    restorePointsProblem,
    unfinishedRuns: unfinished,
    toolHasDowns: tool?.hasDowns ?? true,
    toolName: tool?.displayName ?? migrationStatus.migrator,
  };
}

function newestPointPerMigration(records: readonly RestorePointRecord[]): Map<string, RestorePointRecord> {
  // Oldest first: a later record of the same migration replaces the earlier one.
  return new Map(records.map((r) => [r.migration, r]));
}
