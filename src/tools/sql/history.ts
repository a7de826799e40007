/**
 * The plain SQL format's history: public.dbrollback_migrations, one row per
 * applied migration (its name, when, and the sha256 of its .up.sql), written
 * in the same transaction as the migration's statements.
 */
import type { Db } from '../../db/connection.js';
import { quoteQualified } from '../../db/connection.js';
import type { HistoryEntry } from '../status-of.js';

export const SQL_HISTORY = { schema: 'public', table: 'dbrollback_migrations' } as const;

const TABLE = quoteQualified(SQL_HISTORY.schema, SQL_HISTORY.table);

/** Read-only: a missing history table means nothing is applied (it is created on the first apply). */
export async function readHistory(db: Db): Promise<HistoryEntry[]> {
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [TABLE]);
  if (!exists[0]?.ok) return [];
  const { rows } = await db.query<{ name: string; applied_at: Date }>(`SELECT name, applied_at FROM ${TABLE} ORDER BY applied_at, name`);
  return rows.map((r) => ({ name: r.name, appliedAt: r.applied_at }));
}

export async function createHistoryTable(db: Db): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), checksum text)`);
}

export async function recordApplied(db: Db, name: string, upChecksum: string): Promise<void> {
  await db.query(`INSERT INTO ${TABLE} (name, checksum) VALUES ($1, $2)`, [name, upChecksum]);
}

export async function recordUndone(db: Db, name: string): Promise<void> {
  await db.query(`DELETE FROM ${TABLE} WHERE name = $1`, [name]);
}
