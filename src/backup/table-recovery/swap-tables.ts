/**
 * `--replace`: the recovered tables take the live ones' places in one
 * transaction, under lock_timeout so the application never queues behind
 * it; the live tables are kept aside (schema `aside`), not dropped.
 */
import { quoteIdent, type Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import { DbrollbackError } from '../../errors.js';

interface InboundKey {
  /** The referencing table, quoted and qualified. */
  from: string;
  name: string;
  /** pg_get_constraintdef with every name qualified (search_path emptied first). */
  definition: string;
}

/** Drop the foreign keys from tables outside the set into it, returning how to make each again. */
async function takeInboundKeys(db: Db, tables: readonly TableRef[]): Promise<InboundKey[]> {
  await db.query(`SET LOCAL search_path = ''`);
  const { rows } = await db.query<{ from: string; name: string; definition: string }>(
    `SELECT c.conrelid::regclass::text AS from, c.conname AS name, pg_catalog.pg_get_constraintdef(c.oid) AS definition
       FROM pg_catalog.pg_constraint c
      WHERE c.contype = 'f'
        AND c.confrelid = ANY (SELECT pg_catalog.to_regclass(x) FROM unnest($1::text[]) AS x)
        AND NOT c.conrelid = ANY (SELECT pg_catalog.to_regclass(x) FROM unnest($1::text[]) AS x)
      ORDER BY 1, 2`,
    [tables.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`)],
  );
  for (const k of rows) await db.query(`ALTER TABLE ${k.from} DROP CONSTRAINT ${quoteIdent(k.name)}`);
  await db.query('SET LOCAL search_path = DEFAULT');
  return rows;
}

export async function swapTables(db: Db, tables: readonly TableRef[], recovered: string, aside: string, lockTimeoutMs: number, options: { recreateInboundKeys?: boolean } = {}): Promise<string[]> {
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    // Keys from other tables into the swapped ones would follow the old tables aside: dropped, and made again on the new ones.
    const inbound = options.recreateInboundKeys ? await takeInboundKeys(db, tables) : [];
    await db.query(`CREATE SCHEMA ${quoteIdent(aside)}`);
    for (const t of tables) await db.query(`ALTER TABLE ${quoteIdent(t.schema)}.${quoteIdent(t.table)} SET SCHEMA ${quoteIdent(aside)}`);
    for (const t of tables) await db.query(`ALTER TABLE ${quoteIdent(recovered)}.${quoteIdent(t.table)} SET SCHEMA ${quoteIdent(t.schema)}`);
    await db.query(`DROP SCHEMA ${quoteIdent(recovered)}`);
    for (const t of tables) await keepSequencesAhead(db, t, aside);
    for (const k of inbound) {
      try {
        await db.query(`ALTER TABLE ${k.from} ADD CONSTRAINT ${quoteIdent(k.name)} ${k.definition}`);
      } catch (cause) {
        throw new DbrollbackError('RESTORE_FAILED', `the foreign key ${k.name} of ${k.from} cannot be made again on the restored table: ${(cause as Error).message}`, {
          hint: 'Nothing was swapped (one transaction). Rows of the referencing table point at rows the restored table does not have: restore side by side instead (leave out --replace) and copy the rows you need.',
          cause,
        });
      }
    }
    await db.query('COMMIT');
    return inbound.map((k) => `${k.from}.${k.name}`);
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
