/**
 * Named restore points in the WAL (`pg_create_restore_point`), so a
 * point-in-time restore can stop exactly before a migration. They exist only
 * where WAL carries enough to recover from (wal_level replica or logical) and
 * need the right to call the functions (superuser or an explicit GRANT).
 */
import { createHash } from 'node:crypto';
import type { Db } from './connection.js';

export interface WalSettings {
  walLevel: string;
  archiveMode: string;
  inRecovery: boolean;
  mayCreateRestorePoint: boolean;
  maySwitchWal: boolean;
}

export async function walSettings(db: Db): Promise<WalSettings> {
  const { rows } = await db.query<{ wal_level: string; archive_mode: string; in_recovery: boolean; may_create: boolean; may_switch: boolean }>(
    `SELECT current_setting('wal_level') AS wal_level,
            current_setting('archive_mode') AS archive_mode,
            pg_is_in_recovery() AS in_recovery,
            has_function_privilege('pg_create_restore_point(text)', 'execute') AS may_create,
            has_function_privilege('pg_switch_wal()', 'execute') AS may_switch`,
  );
  const row = rows[0]!;
  return { walLevel: row.wal_level, archiveMode: row.archive_mode, inRecovery: row.in_recovery, mayCreateRestorePoint: row.may_create, maySwitchWal: row.may_switch };
}

/** Why restore points cannot be made on this server, or null when they can. */
export function restorePointsUnavailable(settings: WalSettings): string | null {
  if (settings.inRecovery) return 'the server is a standby (in recovery)';
  if (settings.walLevel === 'minimal') return 'wal_level is minimal (restore points need replica or logical)';
  if (!settings.mayCreateRestorePoint) return 'this role may not call pg_create_restore_point (superuser, or GRANT EXECUTE ON FUNCTION pg_create_restore_point(text))';
  return null;
}

/**
 * Why the points, made on a server that archives, are not switched into the archive at once (this role may not
 * call pg_switch_wal), or null when they are (or nothing archives).
 */
export function walSwitchUnavailable(settings: WalSettings): string | null {
  if (settings.archiveMode === 'off' || settings.maySwitchWal) return null;
  return 'this role may not call pg_switch_wal(): each restore point reaches the WAL archive only when its segment is archived (full, or after archive_timeout), and until then no point-in-time restore can stop there (as a superuser: GRANT EXECUTE ON FUNCTION pg_switch_wal() TO the role)';
}

/** PostgreSQL keeps restore point names under 64 bytes (MAXFNAMELEN). */
const MAX_NAME_BYTES = 63;

/**
 * `<prefix><name>`, shortened when too long: the name's start and a hash of
 * the whole, so two long migration names never share a point.
 */
export function restorePointName(prefix: string, name: string): string {
  const full = `${prefix}${name}`;
  if (Buffer.byteLength(full) <= MAX_NAME_BYTES) return full;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  let head = name;
  while (Buffer.byteLength(`${prefix}${head}~${hash}`) > MAX_NAME_BYTES) head = head.slice(0, -1);
  return `${prefix}${head}~${hash}`;
}

export interface CreatedRestorePoint {
  name: string;
  /** The point's LSN (e.g. 0/3000090). */
  lsn: string;
  /** The server's clock when the point was made. */
  time: Date;
  timeline: number;
  /** The WAL segment holding the point. */
  walFile: string;
  /** Whether a WAL switch followed, so the segment holding the point is archived now rather than when it fills. */
  walSwitched: boolean;
}

export async function createRestorePoint(db: Db, name: string, options: { switchWal: boolean }): Promise<CreatedRestorePoint> {
  const { rows } = await db.query<{ lsn: string; time: Date; wal_file: string }>(
    `SELECT lsn::text AS lsn, clock_timestamp() AS time, pg_walfile_name(lsn) AS wal_file
       FROM pg_create_restore_point($1) AS lsn`,
    [name],
  );
  const row = rows[0]!;
  if (options.switchWal) await db.query('SELECT pg_switch_wal()');
  return { name, lsn: row.lsn, time: row.time, timeline: Number.parseInt(row.wal_file.slice(0, 8), 16), walFile: row.wal_file, walSwitched: options.switchWal };
}
