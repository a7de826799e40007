/**
 * `status`: what the migration tool has applied and what is pending, whether
 * each migration can be undone, and who holds a lock right now.
 */
import { advisoryLockHolder, DBROLLBACK_LOCK_ID, type LockHolder } from '../db/lock.js';
import type { MigrationStatus } from './adapter.js';
import { unfinishedRuns, type UnfinishedRun } from '../audit/journal.js';
import { describeConn } from '../db/conninfo.js';
import type { RunContext } from './run-context.js';

export interface StatusReport extends MigrationStatus {
  database: string;
  /** A dbrollback run (undo/restore) holding dbrollback's lock on this database, if any. */
  dbrollbackLockHolder: LockHolder | null;
  /** Runs on this database that started and never finished (from the storage's journal; empty without a storage). */
  unfinishedRuns: UnfinishedRun[];
}

export async function status(run: RunContext): Promise<StatusReport> {
  const adapter = await run.adapter();
  const migrationStatus = await adapter.status();
  const dbrollbackLockHolder = await advisoryLockHolder(await run.session.db(), DBROLLBACK_LOCK_ID);
  const database = describeConn(run.conn);
  const unfinished = run.hasStorage ? (await unfinishedRuns(run.storage)).filter((r) => r.database === database) : [];
  return { ...migrationStatus, database: run.conn.database, dbrollbackLockHolder, unfinishedRuns: unfinished };
}
