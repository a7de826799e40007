/**
 * Every serial/identity sequence is ahead of its column: a sequence behind
 * max(column) (a restore that loaded rows but not the sequence, a setval gone
 * wrong) would hand out keys that already exist — the first inserts after
 * traffic returns fail with duplicate-key errors.
 */
import type { Db } from '../../db/connection.js';
import { quoteIdent, quoteQualified } from '../../db/connection.js';
import type { Check } from '../check.js';
import { plural } from '../compare.js';

interface OwnedSequence {
  seq_schema: string;
  seq: string;
  schema: string;
  table: string;
  column: string;
  kind: 'serial' | 'identity';
  increment: string;
}

export const sequences: Check = {
  id: 'sequences',
  uses: 'connection',
  description: 'every serial/identity sequence is ahead of max(column)',
  async run(db) {
    const owned = await ownedSequences(db);
    const behind: string[] = [];
    const details: Array<Record<string, unknown>> = [];
    for (const s of owned) {
      const state = await sequenceState(db, s);
      details.push({ sequence: `${s.seq_schema}.${s.seq}`, column: `${s.schema}.${s.table}.${s.column}`, kind: s.kind, next: state.next?.toString() ?? null, extreme: state.extreme?.toString() ?? null });
      if (state.extreme === null || state.next === null) continue;
      const ascending = BigInt(s.increment) > 0n;
      const isBehind = ascending ? state.next <= state.extreme : state.next >= state.extreme;
      if (isBehind) {
        const fn = ascending ? 'max' : 'min';
        behind.push(
          `${s.seq_schema}.${s.seq} (${s.kind} of ${s.schema}.${s.table}.${s.column}) would hand out ${state.next} next, but ${fn}(${s.column}) is ${state.extreme}: ` +
            `SELECT setval('${quoteQualified(s.seq_schema, s.seq).replace(/'/g, "''")}', (SELECT ${fn}(${quoteIdent(s.column)}) FROM ${quoteQualified(s.schema, s.table)}))`,
        );
      }
    }
    const data = { sequences: details };
    if (behind.length > 0) return { status: 'fail', detail: `${plural(behind.length, 'sequence')} of ${owned.length} behind their column`, problems: behind, data };
    return { status: 'pass', detail: `${plural(owned.length, 'serial/identity sequence')}, all ahead of their column`, data };
  },
};

async function ownedSequences(db: Db): Promise<OwnedSequence[]> {
  // deptype 'a': serial (OWNED BY); 'i': identity column.
  const { rows } = await db.query<OwnedSequence>(
    `SELECT sn.nspname AS seq_schema, s.relname AS seq, tn.nspname AS schema, t.relname AS table, a.attname AS column,
            CASE d.deptype WHEN 'i' THEN 'identity' ELSE 'serial' END AS kind, ps.seqincrement::text AS increment
       FROM pg_catalog.pg_depend d
       JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_catalog.pg_sequence ps ON ps.seqrelid = s.oid
       JOIN pg_catalog.pg_class t ON t.oid = d.refobjid AND t.relkind IN ('r', 'p')
       JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
        AND tn.nspname NOT IN ('pg_catalog', 'information_schema') AND tn.nspname NOT LIKE 'pg\\_temp%'
      ORDER BY 1, 2`,
  );
  return rows;
}

/** The value nextval() would return, and the column's max (min for descending sequences). */
async function sequenceState(db: Db, s: OwnedSequence): Promise<{ next: bigint | null; extreme: bigint | null }> {
  const seq = quoteQualified(s.seq_schema, s.seq);
  const fn = BigInt(s.increment) > 0n ? 'max' : 'min';
  const { rows } = await db.query<{ last_value: string; is_called: boolean; extreme: string | null }>(
    `SELECT q.last_value::text AS last_value, q.is_called,
            (SELECT pg_catalog.${fn}(c.${quoteIdent(s.column)})::text FROM ${quoteQualified(s.schema, s.table)} AS c) AS extreme
       FROM ${seq} AS q`,
  );
  const r = rows[0]!;
  const last = BigInt(r.last_value);
  // After setval(.., false) or on a fresh sequence nextval returns last_value itself.
  const next = r.is_called ? last + BigInt(s.increment) : last;
  let extreme: bigint | null = null;
  if (r.extreme !== null) {
    try {
      extreme = BigInt(r.extreme);
    } catch {
      extreme = null; // not an integer column (numeric with a fraction): nothing to compare
    }
  }
  return { next, extreme };
}
