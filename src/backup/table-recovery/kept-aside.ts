/**
 * After `--replace`, the live tables sit aside (dbrollback_replaced_<ts>)
 * holding every write made since the restore's target — the application's
 * rows the restore took out of service. How many, per table, by primary key:
 * rows only aside (inserted since), rows on both sides that differ (updated
 * since, compared over the columns both have), and rows only in the restored
 * table (deleted since — often the damage being repaired). A person on call
 * then knows whether there is anything to copy back, and where.
 */
import { quoteIdent, type Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import { formatTableRef } from '../../verify/baseline.js';

export interface KeptAside {
  /** schema.table as it was named. */
  table: string;
  /** Where the live table was put: aside.table. */
  aside: string;
  /** By primary key; null when the table has none (`note` says so). */
  onlyAside: number | null;
  changed: number | null;
  onlyRestored: number | null;
  note: string | null;
}

export async function keptAside(db: Db, tables: readonly TableRef[], aside: string): Promise<KeptAside[]> {
  const out: KeptAside[] = [];
  for (const t of tables) {
    try {
      out.push(await compareAside(db, t, aside));
    } catch (err) {
      // Counting is a courtesy after the swap: the swap stands, and the line says to compare by hand.
      out.push({ table: formatTableRef(t), aside: formatTableRef({ schema: aside, table: t.table }), onlyAside: null, changed: null, onlyRestored: null, note: `could not be compared (${(err as Error).message}): compare the two tables by hand` });
    }
  }
  return out;
}

async function compareAside(db: Db, t: TableRef, aside: string): Promise<KeptAside> {
  const restored = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
  const kept = `${quoteIdent(aside)}.${quoteIdent(t.table)}`;
  const where = { table: formatTableRef(t), aside: formatTableRef({ schema: aside, table: t.table }) };
  const key = await primaryKey(db, restored);
  const keptKey = await primaryKey(db, kept);
  if (key.length === 0 || key.join(',') !== keptKey.join(',')) {
    return { ...where, onlyAside: null, changed: null, onlyRestored: null, note: key.length === 0 ? 'no primary key: compare the two tables by hand' : 'the primary keys differ between the two tables: compare them by hand' };
  }
  // The columns both tables have, of one type (a column the bad change dropped or retyped is left out of "changed").
  const { rows: common } = await db.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_attribute b ON b.attname = a.attname AND b.atttypid = a.atttypid
      WHERE a.attrelid = $1::regclass AND b.attrelid = $2::regclass AND a.attnum > 0 AND NOT a.attisdropped AND b.attnum > 0 AND NOT b.attisdropped
      ORDER BY a.attnum`,
    [restored, kept],
  );
  const on = key.map((c) => `k.${quoteIdent(c)} = r.${quoteIdent(c)}`).join(' AND ');
  const k0 = `k.${quoteIdent(key[0]!)}`;
  const r0 = `r.${quoteIdent(key[0]!)}`;
  const cols = common.map((c) => quoteIdent(c.name));
  // As text: every type has one (json has no equality operator).
  const differs = cols.length > 0 ? `(${cols.map((c) => `k.${c}::text`).join(', ')}) IS DISTINCT FROM (${cols.map((c) => `r.${c}::text`).join(', ')})` : 'false';
  // One full outer join by primary key: counts only, no row leaves the database.
  const { rows } = await db.query<{ only_aside: string; changed: string; only_restored: string }>(
    `SELECT count(*) FILTER (WHERE ${r0} IS NULL)::text AS only_aside,
            count(*) FILTER (WHERE ${k0} IS NOT NULL AND ${r0} IS NOT NULL AND ${differs})::text AS changed,
            count(*) FILTER (WHERE ${k0} IS NULL)::text AS only_restored
       FROM ${kept} k FULL JOIN ${restored} r ON ${on}`,
  );
  const r = rows[0]!;
  return { ...where, onlyAside: Number(r.only_aside), changed: Number(r.changed), onlyRestored: Number(r.only_restored), note: null };
}

/** The primary key's columns, in key order (empty: none). */
async function primaryKey(db: Db, relation: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_catalog.pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_catalog.pg_attribute a ON a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisprimary AND a.attrelid = i.indrelid
      ORDER BY k.n`,
    [relation],
  );
  return rows.map((r) => r.name);
}
