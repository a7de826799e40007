/**
 * node-pg-migrate's history table (default public.pgmigrations: id, name,
 * run_on), read as its runner reads it. node-pg-migrate writes it itself:
 * dbrollback applies and undoes through its runner.
 */
import { quoteQualified, type Db } from '../../db/connection.js';
import type { HistoryEntry } from '../status-of.js';

export const DEFAULT_TABLE = 'pgmigrations';
export const DEFAULT_SCHEMA = 'public';

/** Read-only: a missing table means nothing is applied (node-pg-migrate creates it on its first run). */
export async function readHistory(db: Db, schema: string, table: string): Promise<HistoryEntry[]> {
  const qualified = quoteQualified(schema, table);
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [qualified]);
  if (!exists[0]?.ok) return [];
  // run_on is a timestamp without time zone written with NOW(): read it in the server's time zone.
  const { rows } = await db.query<{ name: string; applied_at: Date }>(
    `SELECT name, run_on AT TIME ZONE current_setting('TimeZone') AS applied_at FROM ${qualified} ORDER BY run_on, id`,
  );
  return rows.map((r) => ({ name: r.name, appliedAt: r.applied_at }));
}
