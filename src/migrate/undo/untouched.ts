/**
 * With a partial safety backup, verify compares only the tables the downs
 * can destroy. Every other table is judged without reading it: its write
 * counters (pg_stat_user_tables: rows inserted, updated, deleted) and its
 * storage (pg_class.relfilenode: TRUNCATE, VACUUM FULL and rewrites change
 * it) before the downs and after. A table the downs wrote although they were
 * not expected to is then caught at the cost of two catalog reads, not a
 * scan of the whole database.
 *
 * Counters reach the view when a backend flushes them: at the latest about a
 * second after it goes idle, and when it exits. The second reading therefore
 * waits until that window has passed since the downs ended.
 */
import type { Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import type { UntouchedEvidence } from '../../verify/check.js';

const FLUSH_WINDOW_MS = 1100;
export const UNTOUCHED_HOW = 'write counters and storage (pg_stat_user_tables, relfilenode)';

export interface WriteState {
  tables: Map<string, { ref: TableRef; writes: string; file: string }>;
}

export async function writeState(db: Db): Promise<WriteState> {
  await db.query('SELECT pg_catalog.pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ schema: string; table: string; writes: string; file: string }>(
    `SELECT s.schemaname AS schema, s.relname AS table, (s.n_tup_ins + s.n_tup_upd + s.n_tup_del)::text AS writes, c.relfilenode::text AS file
       FROM pg_catalog.pg_stat_user_tables s JOIN pg_catalog.pg_class c ON c.oid = s.relid`,
  );
  return { tables: new Map(rows.map((r) => [`${r.schema}.${r.table}`, { ref: { schema: r.schema, table: r.table }, writes: r.writes, file: r.file }])) };
}

/** Compare the tables outside `covered` now with `before`, once the downs' counters have been flushed. */
export async function untouchedSince(db: Db, before: WriteState, covered: readonly TableRef[], downsEndedAt: number): Promise<UntouchedEvidence> {
  const wait = downsEndedAt + FLUSH_WINDOW_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const after = await writeState(db);
  const inside = new Set(covered.map((t) => `${t.schema}.${t.table}`));
  let judged = 0;
  const moved: TableRef[] = [];
  for (const [key, was] of before.tables) {
    if (inside.has(key)) continue;
    judged++;
    const now = after.tables.get(key);
    // Gone: the schema diff reports a dropped table (expected or not); nothing to add here.
    if (now && (now.writes !== was.writes || now.file !== was.file)) moved.push(was.ref);
  }
  return { judged, moved, how: UNTOUCHED_HOW };
}
