/**
 * `status`: what the migration tool has applied and what is pending, whether
 * each migration can be undone, and who holds a lock right now.
 */
import type { ResolvedConfig } from '../config.js';
import { withDb } from '../db/connection.js';
import { advisoryLockHolder, DBROLLBACK_LOCK_ID, type LockHolder } from '../db/lock.js';
import type { MigrationStatus } from './adapter.js';
import { openAdapter } from './registry.js';

export interface StatusReport extends MigrationStatus {
  database: string;
  /** A dbrollback run (undo/restore) holding dbrollback's lock on this database, if any. */
  dbrollbackLockHolder: LockHolder | null;
}

export async function status(config: ResolvedConfig): Promise<StatusReport> {
  const adapter = await openAdapter(config);
  try {
    const migrationStatus = await adapter.status();
    const dbrollbackLockHolder = await withDb(config.conn, (db) => advisoryLockHolder(db, DBROLLBACK_LOCK_ID));
    return { ...migrationStatus, database: config.conn.database, dbrollbackLockHolder };
  } finally {
    await adapter.close();
  }
}
