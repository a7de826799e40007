/**
 * Who is in the way: the sessions blocking a backend's lock wait, through
 * pg_blocking_pids(). Asked while a down waits, because once its
 * lock_timeout fires the wait (and with it the answer) is gone.
 */
import type { Db } from './connection.js';

export interface BlockingSession {
  pid: number;
  applicationName: string | null;
  user: string | null;
  state: string | null;
  /** When its current (or last) query started, ISO. */
  queryStart: string | null;
  /** When its transaction started, ISO. */
  xactStart: string | null;
  query: string | null;
}

/**
 * The sessions at the root of this database's lock waits: for each waiting
 * backend, follow pg_blocking_pids() until a session that is not itself
 * waiting (the one holding the lock, typically a long transaction). The
 * waits of `applicationName` (ours, other than the asking connection) are
 * followed when there are any; otherwise every wait is (a migration tool
 * with connections of its own, under its own application_name).
 */
export async function blockingSessions(db: Db, applicationName: string): Promise<BlockingSession[]> {
  const { rows: waiters } = await db.query<{ pid: number; application_name: string | null; blockers: number[] }>(
    `SELECT pid, application_name, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
  );
  if (waiters.length === 0) return [];
  const waiting = new Map(waiters.map((w) => [w.pid, w.blockers]));
  const ours = waiters.filter((w) => w.application_name === applicationName);
  const roots = new Set<number>();
  const seen = new Set<number>();
  const follow = (pid: number): void => {
    if (seen.has(pid)) return;
    seen.add(pid);
    const next = waiting.get(pid);
    if (next === undefined) roots.add(pid);
    else for (const b of next) follow(b);
  };
  for (const w of ours.length > 0 ? ours : waiters) for (const b of w.blockers) follow(b);
  if (roots.size === 0) return [];
  const { rows } = await db.query<{
    pid: number;
    application_name: string | null;
    usename: string | null;
    state: string | null;
    query_start: Date | null;
    xact_start: Date | null;
    query: string | null;
  }>(
    `SELECT pid, application_name, usename, state, query_start, xact_start, left(query, 500) AS query
       FROM pg_stat_activity WHERE pid = ANY($1::int[]) ORDER BY pid`,
    [[...roots]],
  );
  return rows.map((r) => ({
    pid: r.pid,
    applicationName: r.application_name,
    user: r.usename,
    state: r.state,
    queryStart: r.query_start ? r.query_start.toISOString() : null,
    xactStart: r.xact_start ? r.xact_start.toISOString() : null,
    query: r.query,
  }));
}

export function describeBlocker(b: BlockingSession): string {
  return [
    `pid ${b.pid}`,
    b.applicationName ? `application "${b.applicationName}"` : 'no application_name',
    b.user ? `user ${b.user}` : null,
    b.state ? `state ${b.state}` : null,
    b.xactStart ? `transaction started ${b.xactStart}` : null,
    b.queryStart ? `query started ${b.queryStart}` : null,
    b.query ? `query: ${JSON.stringify(b.query.length > 200 ? `${b.query.slice(0, 200)}…` : b.query)}` : null,
  ].filter(Boolean).join(', ');
}
