/**
 * Constraints hold: NOT VALID constraints are listed (the server never checked
 * the old rows), and every foreign key is checked for orphans — child rows
 * whose key has no parent. MATCH SIMPLE (the default): a row with any NULL
 * key column is not checked; MATCH FULL: a partly-NULL key is an orphan too.
 * Any orphan fails: a restore with triggers off, or a `session_replication_role
 * = replica` load, can leave them behind without the server noticing.
 */
import type { Db } from '../../db/connection.js';
import { quoteIdent, quoteQualified } from '../../db/connection.js';
import type { Check } from '../check.js';
import { plural } from '../compare.js';

interface ForeignKey {
  name: string;
  child_schema: string;
  child: string;
  child_kind: string;
  child_cols: string[];
  parent_schema: string;
  parent: string;
  parent_kind: string;
  parent_cols: string[];
  /** `schema.operator` for each column: parent-key = child-key. */
  ops: string[];
  match: string;
  validated: boolean;
}

export const constraints: Check = {
  id: 'constraints',
  uses: 'connection',
  description: 'no foreign-key orphans (MATCH SIMPLE semantics); NOT VALID constraints listed',
  async run(db) {
    const notValid = await notValidConstraints(db);
    const fks = await foreignKeys(db);
    const orphans: Array<{ constraint: string; table: string; references: string; orphans: number }> = [];
    for (const fk of fks) {
      const n = await countOrphans(db, fk);
      if (n > 0) orphans.push({ constraint: fk.name, table: `${fk.child_schema}.${fk.child}`, references: `${fk.parent_schema}.${fk.parent}`, orphans: n });
    }
    const notValidNote = notValid.length > 0 ? `; NOT VALID (never checked against old rows): ${notValid.join(', ')}` : '';
    const data = { foreignKeys: fks.length, orphans, notValid };
    if (orphans.length > 0) {
      return {
        status: 'fail',
        detail: `${plural(orphans.length, 'foreign key')} of ${fks.length} have orphan rows${notValidNote}`,
        problems: orphans.map(
          (o) => `${quoteIdent(o.constraint)} on ${o.table} → ${o.references}: ${plural(o.orphans, 'orphan row')} (a key with no parent row)`,
        ),
        data,
      };
    }
    return { status: 'pass', detail: `${plural(fks.length, 'foreign key')} checked, no orphans${notValidNote}`, data };
  },
};

const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

async function notValidConstraints(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ name: string; schema: string; rel: string; type: string }>(
    `SELECT con.conname AS name, n.nspname AS schema, c.relname AS rel,
            CASE con.contype WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' ELSE con.contype::text END AS type
       FROM pg_catalog.pg_constraint con
       JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT con.convalidated AND con.conparentid = 0 AND ${USER_SCHEMA}
      ORDER BY 2, 3, 1`,
  );
  return rows.map((r) => `${quoteIdent(r.name)} (${r.type}) on ${r.schema}.${r.rel}`);
}

async function foreignKeys(db: Db): Promise<ForeignKey[]> {
  const { rows } = await db.query<ForeignKey>(
    `SELECT con.conname AS name,
            n.nspname AS child_schema, c.relname AS child, c.relkind::text AS child_kind,
            array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.i) AS child_cols,
            pn.nspname AS parent_schema, p.relname AS parent, p.relkind::text AS parent_kind,
            array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, i)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.i) AS parent_cols,
            array(SELECT pg_catalog.quote_ident(opn.nspname) || '.' || o.oprname
                    FROM unnest(con.conpfeqop) WITH ORDINALITY k(op, i)
                    JOIN pg_catalog.pg_operator o ON o.oid = k.op
                    JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace ORDER BY k.i) AS ops,
            con.confmatchtype::text AS match,
            con.convalidated AS validated
       FROM pg_catalog.pg_constraint con
       JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_class p ON p.oid = con.confrelid
       JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0 AND ${USER_SCHEMA}
      ORDER BY 2, 3, 1`,
  );
  return rows;
}

/** Child rows with no parent, counted with the constraint's own equality operators. */
export function orphanQuery(fk: Pick<ForeignKey, 'child_schema' | 'child' | 'child_kind' | 'child_cols' | 'parent_schema' | 'parent' | 'parent_kind' | 'parent_cols' | 'ops' | 'match'>): string {
  // A constraint on a partitioned table covers its partitions; on a plain table it covers that table only (not inheritance children).
  const only = (kind: string) => (kind === 'p' ? '' : 'ONLY ');
  const child = `${only(fk.child_kind)}${quoteQualified(fk.child_schema, fk.child)}`;
  const parent = `${only(fk.parent_kind)}${quoteQualified(fk.parent_schema, fk.parent)}`;
  const cols = fk.child_cols.map((c) => `c.${quoteIdent(c)}`);
  const allSet = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  const join = fk.parent_cols.map((p, i) => `p.${quoteIdent(p)} OPERATOR(${fk.ops[i]}) ${cols[i]}`).join(' AND ');
  const dangling = `(${allSet} AND NOT EXISTS (SELECT 1 FROM ${parent} AS p WHERE ${join}))`;
  // MATCH FULL: a key with some but not all columns NULL violates the constraint by itself.
  const partlyNull = fk.match === 'f' && cols.length > 1 ? ` OR (NOT (${allSet}) AND NOT (${cols.map((c) => `${c} IS NULL`).join(' AND ')}))` : '';
  return `SELECT pg_catalog.count(*) AS n FROM ${child} AS c WHERE ${dangling}${partlyNull}`;
}

async function countOrphans(db: Db, fk: ForeignKey): Promise<number> {
  const { rows } = await db.query<{ n: string }>(orphanQuery(fk));
  return Number(rows[0]!.n);
}
