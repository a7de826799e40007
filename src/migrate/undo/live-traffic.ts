/**
 * An undo whose traffic was not paused runs beside the application's own
 * writes. Verify compares tables with a snapshot taken before the downs, so
 * a table the application wrote meanwhile differs for reasons that are not
 * the rollback's: failing on it would say "do not return traffic" about
 * traffic that never stopped. Such tables are found through the server's
 * per-table write counters (pg_stat_user_tables) and reported by verify as
 * changed, not failed; every other table is still judged in full.
 *
 * Only when other sessions are connected at the start: with nobody else
 * there (traffic paused by hand, a drill) nothing is sampled and nothing is
 * excused. Counters reach the view when a backend flushes them (at least
 * once a second while it keeps committing), so the window is held open a
 * little over a second.
 */
import type { Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';

const FLUSH_WINDOW_MS = 1100;

export interface WriteSample {
  at: number;
  sessions: number;
  writes: Map<string, { ref: TableRef; n: bigint }>;
}

/** Other client sessions on this database and each table's write counter, or null when nobody else is connected. */
export async function sampleTraffic(db: Db, applicationName: string): Promise<WriteSample | null> {
  const { rows: [who] } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend'
        AND pid <> pg_backend_pid() AND application_name IS DISTINCT FROM $1`,
    [applicationName],
  );
  if (!who || who.n === 0) return null;
  return { at: Date.now(), sessions: who.n, writes: await tableWrites(db) };
}

/** Tables whose write counters moved since `before` (waiting out the stats flush interval first). */
export async function tablesWrittenSince(db: Db, before: WriteSample): Promise<TableRef[]> {
  const wait = before.at + FLUSH_WINDOW_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  // A transaction-local stats snapshot would hide what was flushed since: start from a fresh one.
  await db.query('SELECT pg_stat_clear_snapshot()');
  const now = await tableWrites(db);
  const moved: TableRef[] = [];
  for (const [key, after] of now) {
    const earlier = before.writes.get(key);
    if (!earlier || after.n !== earlier.n) moved.push(after.ref);
  }
  return moved;
}

async function tableWrites(db: Db): Promise<Map<string, { ref: TableRef; n: bigint }>> {
  const { rows } = await db.query<{ schema: string; table: string; n: string }>(
    `SELECT schemaname AS schema, relname AS table, (n_tup_ins + n_tup_upd + n_tup_del)::text AS n FROM pg_stat_user_tables`,
  );
  return new Map(rows.map((r) => [`${r.schema}.${r.table}`, { ref: { schema: r.schema, table: r.table }, n: BigInt(r.n) }]));
}
