/**
 * An undo whose traffic was not paused runs beside the application's own
 * writes. Verify compares tables with a snapshot taken before the downs, so
 * a table the application wrote meanwhile differs for reasons that are not
 * the rollback's: failing on it would say "do not return traffic" about
 * traffic that never stopped. Such tables are found through the server's
 * per-table write counters (pg_stat_user_tables) and reported by verify as
 * changed, not failed; every other table is still judged in full.
 *
 * The counters are read before the safety backup (its snapshot is the
 * baseline: a row written during the backup is the application's too) and
 * after the downs. Only when traffic is seen are the moved tables excused:
 * another session connected at the start or at the end, or a table written
 * before the downs began — which nothing but another session can have done,
 * and which is how an application that connects for each write (a script, a
 * serverless function) shows, its sessions being gone between writes. With
 * nobody else there (traffic paused by hand, a drill) nothing is excused.
 * With a pause hook nothing is excused either, but the tables written after
 * the pause are named when verify fails: the hook did not stop everything.
 */
import type { Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import { afterFlushWindow, tableWrites, tablesMoved, type TableWrites } from '../../db/table-writes.js';

export interface WriteSample {
  /** Other client sessions connected when the sample was taken. */
  sessions: number;
  writes: TableWrites;
  /** Tables written between this sample and the downs' start (see writtenBeforeDowns). */
  before?: TableRef[];
}

/** Other client sessions on this database and each table's write counter. */
export async function sampleTraffic(db: Db, applicationName: string): Promise<WriteSample> {
  return { sessions: await otherSessions(db, applicationName), writes: await tableWrites(db) };
}

/** Just before the downs: what was written since the sample can only be another session's. */
export async function writtenBeforeDowns(db: Db, sample: WriteSample): Promise<void> {
  sample.before = tablesMoved(sample.writes, await tableWrites(db));
}

/**
 * Tables whose write counters moved since `before` (waiting out the stats flush interval first), and how many
 * other sessions were seen; no table when no traffic was seen (nobody connected at the start or now, nothing
 * written before the downs).
 */
export async function tablesWrittenSince(db: Db, before: WriteSample, applicationName: string): Promise<{ sessions: number; tables: TableRef[] }> {
  // No traffic seen: nothing to excuse, and nothing to wait for (a session that wrote and left flushed its counters
  // as it exited; one still connected would be counted here).
  const sessions = Math.max(before.sessions, await otherSessions(db, applicationName));
  if (sessions === 0 && (before.before ?? []).length === 0) return { sessions, tables: [] };
  await afterFlushWindow(before.writes.at);
  return { sessions: Math.max(sessions, await otherSessions(db, applicationName)), tables: tablesMoved(before.writes, await tableWrites(db)) };
}

async function otherSessions(db: Db, applicationName: string): Promise<number> {
  const { rows: [who] } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend'
        AND pid <> pg_backend_pid() AND application_name IS DISTINCT FROM $1`,
    [applicationName],
  );
  return who?.n ?? 0;
}
