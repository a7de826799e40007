/**
 * Order-independent content fingerprints per table, computed in the server:
 * one sequential scan per table, no sort. Each row's text form is hashed and
 * the hashes summed, so row order (and physical layout after a restore) does
 * not matter while any changed, missing or extra row does. Settings that
 * change a row's `::text` output are pinned so two sessions agree.
 */
import type { Db } from '../db/connection.js';
import { quoteQualified } from '../db/connection.js';

export interface TableRef {
  schema: string;
  table: string;
}

export interface TableFingerprint extends TableRef {
  rows: number;
  /** Sum of 64-bit row hashes under two seeds, as decimal text ("sum0:sum1"). */
  hash: string;
}

/** Settings that change how values print as text. */
export const PINNED_SETTINGS: Record<string, string> = {
  DateStyle: 'ISO, YMD',
  TimeZone: 'UTC',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  search_path: 'pg_catalog',
  lc_monetary: 'C',
};

export async function pinTextSettings(db: Db): Promise<void> {
  for (const [name, value] of Object.entries(PINNED_SETTINGS)) {
    await db.query('SELECT set_config($1, $2, false)', [name, value]);
  }
}

/** Every ordinary and partitioned-leaf user table (not system, not extension-owned). */
export async function listUserTables(db: Db): Promise<TableRef[]> {
  const { rows } = await db.query<TableRef>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
  );
  return rows;
}

/** Fingerprint the given tables (default: every user table), sorted by schema and name. */
export async function fingerprint(db: Db, tables?: TableRef[]): Promise<TableFingerprint[]> {
  await pinTextSettings(db);
  const list = tables ?? (await listUserTables(db));
  const out: TableFingerprint[] = [];
  for (const t of list) out.push(await fingerprintTable(db, t));
  return out.sort((a, b) => a.schema.localeCompare(b.schema) || a.table.localeCompare(b.table));
}

export async function fingerprintTable(db: Db, t: TableRef, where = ''): Promise<TableFingerprint> {
  const name = quoteQualified(t.schema, t.table);
  const { rows } = await db.query<{ n: string; h0: string; h1: string }>(
    `SELECT count(*) AS n,
            coalesce(sum(pg_catalog.hashtextextended(r::text, 0)), 0)::text AS h0,
            coalesce(sum(pg_catalog.hashtextextended(r::text, 1)), 0)::text AS h1
       FROM ONLY ${name} AS r ${where}`,
  );
  const row = rows[0]!;
  return { ...t, rows: Number(row.n), hash: `${row.h0}:${row.h1}` };
}
