/**
 * `status`: what the migration tool has applied and what is pending, whether
 * each migration can be undone, and who holds a lock right now.
 */
import { advisoryLockHolder, DBROLLBACK_LOCK_ID, type LockHolder } from '../db/lock.js';
import type { MigrationStatus } from './adapter.js';
import type { RunContext } from './run-context.js';

export interface StatusReport extends MigrationStatus {
  database: string;
  /** A dbrollback run (undo/restore) holding dbrollback's lock on this database, if any. */
  dbrollbackLockHolder: LockHolder | null;
}

export async function status(run: RunContext): Promise<StatusReport> {
  const adapter = await run.adapter();
  const migrationStatus = await adapter.status();
  const dbrollbackLockHolder = await advisoryLockHolder(await run.session.db(), DBROLLBACK_LOCK_ID);
  return { ...migrationStatus, database: run.conn.database, dbrollbackLockHolder };
}
