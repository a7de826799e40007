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
 * Counters reach the view when a backend flushes them (at least once a
 * second while it keeps committing, and when it exits), so the window is
 * held open a little over a second.
 */
import type { Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';

const FLUSH_WINDOW_MS = 1100;

export interface WriteSample {
  at: number;
  /** Other client sessions connected when the sample was taken. */
  sessions: number;
  writes: Map<string, { ref: TableRef; n: bigint }>;
  /** Tables written between this sample and the downs' start (see writtenBeforeDowns). */
  before?: TableRef[];
}

/** Other client sessions on this database and each table's write counter. */
export async function sampleTraffic(db: Db, applicationName: string): Promise<WriteSample> {
  return { at: Date.now(), sessions: await otherSessions(db, applicationName), writes: await tableWrites(db) };
}

/** Just before the downs: what was written since the sample can only be another session's. */
export async function writtenBeforeDowns(db: Db, sample: WriteSample): Promise<void> {
  sample.before = moved(sample, await tableWrites(db));
}

/**
 * Tables whose write counters moved since `before` (waiting out the stats flush interval first), and how many
 * other sessions were seen; no table when no traffic was seen (nobody connected at the start or now, nothing
 * written before the downs).
 */
export async function tablesWrittenSince(db: Db, before: WriteSample, applicationName: string): Promise<{ sessions: number; tables: TableRef[] }> {
  const wait = before.at + FLUSH_WINDOW_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const sessions = Math.max(before.sessions, await otherSessions(db, applicationName));
  if (sessions === 0 && (before.before ?? []).length === 0) return { sessions, tables: [] };
  return { sessions, tables: moved(before, await tableWrites(db)) };
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

function moved(before: WriteSample, now: Map<string, { ref: TableRef; n: bigint }>): TableRef[] {
  const out: TableRef[] = [];
  for (const [key, after] of now) {
    const earlier = before.writes.get(key);
    if (!earlier || after.n !== earlier.n) out.push(after.ref);
  }
  return out;
}

async function tableWrites(db: Db): Promise<Map<string, { ref: TableRef; n: bigint }>> {
  // A transaction-local stats snapshot would hide what was flushed since: start from a fresh one.
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ schema: string; table: string; n: string }>(
    `SELECT schemaname AS schema, relname AS table, (n_tup_ins + n_tup_upd + n_tup_del)::text AS n FROM pg_stat_user_tables`,
  );
  return new Map(rows.map((r) => [`${r.schema}.${r.table}`, { ref: { schema: r.schema, table: r.table }, n: BigInt(r.n) }]));
}
