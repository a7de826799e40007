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
 * Sessions blocking any backend of `applicationName` (other than the asking
 * connection) that is waiting for a lock in this database.
 */
export async function blockingSessions(db: Db, applicationName: string): Promise<BlockingSession[]> {
  const { rows } = await db.query<{
    pid: number;
    application_name: string | null;
    usename: string | null;
    state: string | null;
    query_start: Date | null;
    xact_start: Date | null;
    query: string | null;
  }>(
    `SELECT DISTINCT b.pid, b.application_name, b.usename, b.state, b.query_start, b.xact_start, left(b.query, 500) AS query
       FROM pg_stat_activity w
       CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocker(pid)
       JOIN pg_stat_activity b ON b.pid = blocker.pid
      WHERE w.datname = current_database() AND w.application_name = $1
        AND w.pid <> pg_backend_pid() AND w.wait_event_type = 'Lock'
      ORDER BY b.pid`,
    [applicationName],
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
