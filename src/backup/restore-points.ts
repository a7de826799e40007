/**
 * The restore points `migrate` makes before each migration, recorded in the
 * storage (not only in the WAL, which cannot be searched by name): a restore
 * to "just before migration X" reads its LSN from here.
 *
 *   restore-points/<migration>/<time>-<run>.json
 *
 * A migration applied, undone and applied again has one record per time it
 * was applied; the newest is the one that counts.
 */
import { text } from 'node:stream/consumers';
import { DbrollbackError } from '../errors.js';
import { validateKey, validatePrefix, type Storage } from '../storage/contract.js';

export const RESTORE_POINTS_PREFIX = 'restore-points/';
/** The name prefix of every restore point dbrollback makes before a migration. */
export const BEFORE_MIGRATION_PREFIX = 'dbrollback:before:';

export interface RestorePointRecord {
  version: 1;
  /** The restore point's name in the WAL (recovery_target_name). */
  name: string;
  /** The migration applied right after it. */
  migration: string;
  lsn: string;
  /** The server's clock when the point was made (ISO 8601). */
  time: string;
  timeline: number;
  walFile: string;
  walSwitched: boolean;
  /**
   * Whether the server archived WAL when the point was made (absent in records before it was kept): a point not
   * switched on an archiving server (the role may not call pg_switch_wal) reaches the archive with its segment.
   */
  archiving?: boolean;
  /** The database name the migration ran against. */
  database: string;
  /** The migrate run (its audit record id). */
  runId: string;
}

/** A migration name as one key segment (names are the tool's, not ours). */
function segment(migration: string): string {
  return encodeURIComponent(migration).replace(/\./g, '%2E');
}

export function restorePointKey(record: Pick<RestorePointRecord, 'migration' | 'time' | 'runId'>): string {
  const stamp = record.time.replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '$1Z');
  return validateKey(`${RESTORE_POINTS_PREFIX}${segment(record.migration)}/${stamp}-${record.runId}.json`);
}

export async function writeRestorePoint(storage: Storage, record: RestorePointRecord): Promise<string> {
  const key = restorePointKey(record);
  await storage.put(key, JSON.stringify(record, null, 2), { contentType: 'application/json' });
  return key;
}

/** Every recorded point (optionally only those of one database), oldest first; unreadable records are skipped. */
export async function listRestorePoints(storage: Storage, options: { database?: string; migration?: string } = {}): Promise<RestorePointRecord[]> {
  const prefix = options.migration !== undefined ? validatePrefix(`${RESTORE_POINTS_PREFIX}${segment(options.migration)}/`) : RESTORE_POINTS_PREFIX;
  const objects = await storage.list(prefix);
  const records: RestorePointRecord[] = [];
  for (const object of objects) {
    if (!object.key.endsWith('.json')) continue;
    const record = parseRecord(await text(await storage.get(object.key)));
    if (record === null) continue;
    if (options.database !== undefined && record.database !== options.database) continue;
    records.push(record);
  }
  return records.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** The newest point recorded before `migration` on `database`, or null. */
export async function restorePointBefore(storage: Storage, migration: string, database: string): Promise<RestorePointRecord | null> {
  return (await listRestorePoints(storage, { migration, database })).at(-1) ?? null;
}

function parseRecord(json: string): RestorePointRecord | null {
  try {
    const data = JSON.parse(json) as Partial<RestorePointRecord>;
    if (data.version !== 1 || typeof data.name !== 'string' || typeof data.migration !== 'string' || typeof data.lsn !== 'string' || typeof data.time !== 'string') return null;
    return data as RestorePointRecord;
  } catch {
    return null;
  }
}

export function restorePointNotFound(migration: string): DbrollbackError {
  return new DbrollbackError('MIGRATION_NOT_FOUND', `no restore point is recorded before ${migration}`, {
    hint: 'Restore points are recorded by `dbrollback migrate`; run `dbrollback status` to see which applied migrations have one.',
  });
}
