import { DbrollbackError } from '../errors.js';
import type { Db } from './connection.js';

/** dbrollback's own session advisory lock: one dbrollback at a time per database. */
export const DBROLLBACK_LOCK_ID = 4_825_310_977_561_222n;

export interface LockHolder {
  /** 0 for a lock kept in a table (no session holds it): then `description` says who. */
  pid: number;
  user: string | null;
  applicationName: string | null;
  clientAddr: string | null;
  backendStart: string | null;
  query: string | null;
  /** Who holds a lock a tool keeps in a table of its own, in its words (Liquibase's LOCKEDBY and LOCKGRANTED). */
  description?: string;
}

/** Who holds a session-level advisory lock on a bigint key in this database, if anyone. */
export async function advisoryLockHolder(db: Db, key: bigint): Promise<LockHolder | null> {
  const classid = Number((key >> 32n) & 0xffff_ffffn);
  const objid = Number(key & 0xffff_ffffn);
  const { rows } = await db.query<{
    pid: number;
    usename: string | null;
    application_name: string | null;
    client_addr: string | null;
    backend_start: Date | null;
    query: string | null;
  }>(
    `SELECT l.pid, a.usename, a.application_name, a.client_addr::text AS client_addr, a.backend_start, a.query
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      LIMIT 1`,
    [classid, objid],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    pid: row.pid,
    user: row.usename,
    applicationName: row.application_name,
    clientAddr: row.client_addr,
    backendStart: row.backend_start ? row.backend_start.toISOString() : null,
    query: row.query,
  };
}

export function describeHolder(holder: LockHolder): string {
  const who = [
    `pid ${holder.pid}`,
    holder.user ? `user ${holder.user}` : null,
    holder.applicationName ? `application "${holder.applicationName}"` : null,
    holder.clientAddr ? `from ${holder.clientAddr}` : null,
    holder.backendStart ? `connected since ${holder.backendStart}` : null,
  ].filter(Boolean);
  return who.join(', ');
}

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Take dbrollback's lock without waiting; fail fast naming the holder.
 * `foreignLocks` are other tools' locks (a migration tool's own: an advisory
 * key, or a lock it keeps in a table, read by `held`) that must not be held
 * while dbrollback acts.
 */
export async function acquireLock(
  db: Db,
  foreignLocks: ReadonlyArray<{ key: bigint; owner: string } | { owner: string; held(db: Db): Promise<string | null> }> = [],
): Promise<HeldLock> {
  for (const foreign of foreignLocks) {
    if (!('key' in foreign)) {
      const held = await foreign.held(db);
      if (held !== null) {
        throw new DbrollbackError('LOCK_HELD', `${foreign.owner} is running against this database (its lock is ${held})`, {
          hint: `Wait for the running migration to finish and try again; dbrollback never acts while a migration is running. A lock left by a killed ${foreign.owner} run must be cleared with the tool's own command.`,
          details: { owner: foreign.owner, held },
        });
      }
      continue;
    }
    const holder = await advisoryLockHolder(db, foreign.key);
    if (holder) {
      throw new DbrollbackError('LOCK_HELD', `${foreign.owner} is running against this database (its advisory lock is held by ${describeHolder(holder)})`, {
        hint: 'Wait for the running migration to finish (or stop it) and try again; dbrollback never acts while a migration is running.',
        details: { holder, owner: foreign.owner },
      });
    }
  }
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [DBROLLBACK_LOCK_ID.toString()]);
  if (!rows[0]?.ok) {
    const holder = await advisoryLockHolder(db, DBROLLBACK_LOCK_ID);
    const who = holder ? describeHolder(holder) : 'another session';
    throw new DbrollbackError('LOCK_HELD', `another dbrollback is already running against this database (lock held by ${who})`, {
      hint: 'Only one dbrollback may act on a database at a time. Wait for it to finish, or end that session if it is stuck.',
      details: { holder },
    });
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await db.query('SELECT pg_advisory_unlock($1::bigint)', [DBROLLBACK_LOCK_ID.toString()]).catch(() => undefined);
    },
  };
}
