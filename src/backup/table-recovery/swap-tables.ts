/**
 * `--replace`: the recovered tables take the live ones' places in one
 * transaction, under lock_timeout so the application never queues behind
 * it; the live tables are kept aside (schema `aside`), not dropped.
 */
import type { Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import { quoteIdent } from './copy-tables.js';

export async function swapTables(db: Db, tables: readonly TableRef[], recovered: string, aside: string, lockTimeoutMs: number): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    await db.query(`CREATE SCHEMA ${quoteIdent(aside)}`);
    for (const t of tables) await db.query(`ALTER TABLE ${quoteIdent(t.schema)}.${quoteIdent(t.table)} SET SCHEMA ${quoteIdent(aside)}`);
    for (const t of tables) await db.query(`ALTER TABLE ${quoteIdent(recovered)}.${quoteIdent(t.table)} SET SCHEMA ${quoteIdent(t.schema)}`);
    await db.query(`DROP SCHEMA ${quoteIdent(recovered)}`);
    for (const t of tables) await keepSequencesAhead(db, t, aside);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * A recovered table brings its sequences back at their value of the target
 * time, while the live ones (now aside) kept counting: ids handed out since
 * would be handed out again. Each sequence the table owns moves to the
 * highest of its own value, the live sequence's and the column's maximum.
 */
async function keepSequencesAhead(db: Db, t: TableRef, aside: string): Promise<void> {
  const owned = `SELECT a.attname AS col, s.oid::regclass::text AS seq
                   FROM pg_catalog.pg_depend d
                   JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refobjid = $1::regclass AND d.deptype IN ('a', 'i')`;
  const live = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
  const mine = (await db.query<{ col: string; seq: string }>(owned, [live])).rows;
  if (mine.length === 0) return;
  const previous = new Map((await db.query<{ col: string; seq: string }>(owned, [`${quoteIdent(aside)}.${quoteIdent(t.table)}`])).rows.map((r) => [r.col, r.seq]));
  for (const { col, seq } of mine) {
    const old = previous.get(col);
    await db.query(
      `SELECT pg_catalog.setval($1::regclass, GREATEST(
         (SELECT last_value FROM ${seq}),
         ${old ? `(SELECT last_value FROM ${old}),` : ''}
         (SELECT coalesce(max(${quoteIdent(col)})::bigint, 1) FROM ${live})))`,
      [seq],
    );
  }
}
