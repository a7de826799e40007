/**
 * Each user table's write counter (rows inserted + updated + deleted, from
 * pg_stat_user_tables): how dbrollback tells which tables other sessions are
 * writing without reading them. Counters reach the view when a backend
 * flushes them (at least once a second while it keeps committing, and when
 * it exits): compare two readings at least STATS_FLUSH_WINDOW_MS apart.
 */
import type { Db } from './connection.js';

export const STATS_FLUSH_WINDOW_MS = 1100;

export interface TableWrites {
  at: number;
  tables: Map<string, { ref: { schema: string; table: string }; n: bigint }>;
}

export async function tableWrites(db: Db): Promise<TableWrites> {
  // A transaction-local stats snapshot would hide what was flushed since: start from a fresh one.
  await db.query('SELECT pg_catalog.pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ schema: string; table: string; n: string }>(
    `SELECT schemaname AS schema, relname AS table, (n_tup_ins + n_tup_upd + n_tup_del)::text AS n FROM pg_catalog.pg_stat_user_tables`,
  );
  return { at: Date.now(), tables: new Map(rows.map((r) => [`${r.schema}.${r.table}`, { ref: { schema: r.schema, table: r.table }, n: BigInt(r.n) }])) };
}

/** Tables whose counter moved (or that appeared) between two readings. */
export function tablesMoved(before: TableWrites, after: TableWrites): Array<{ schema: string; table: string }> {
  const out: Array<{ schema: string; table: string }> = [];
  for (const [key, now] of after.tables) {
    const earlier = before.tables.get(key);
    if (!earlier || now.n !== earlier.n) out.push(now.ref);
  }
  return out;
}

/** Wait until a reading taken at `since` can be compared (the flush window has passed). */
export async function afterFlushWindow(since: number): Promise<void> {
  const wait = since + STATS_FLUSH_WINDOW_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
