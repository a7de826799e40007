/**
 * Enum values a table can no longer give back. A row stores an enum value as
 * the OID of its pg_enum entry; when that entry is gone (a down migration that
 * ran `DELETE FROM pg_enum WHERE ...` while rows still used the value, a
 * catalog restore gone wrong) every read that prints the value fails with
 * `invalid internal value for enum`, though row counts and constraints look
 * fine. Counting such rows must not print them: enum equality (`enum_eq`,
 * `enum_ne`) and array containment compare the stored OIDs only, so a value
 * is unreadable exactly when it is not among `enum_range(NULL::type)` — read
 * once per query (an InitPlan), not per row.
 */
import type { Db } from '../db/connection.js';
import { queryError, quoteIdent, quoteQualified } from '../db/connection.js';
import type { TableRef } from '../fingerprint/fingerprint.js';
import { tableKey } from './baseline.js';

/** A column holding enum values: of an enum type, an array of one, or a domain over either. */
export interface EnumColumn extends TableRef {
  column: string;
  /** The column's type as declared (`public.mood`, `mood_domain`, `mood[]`). */
  declared: string;
  /** The enum type underneath, schema-qualified, each part as SQL needs it quoted. */
  enumType: { schema: string; name: string };
  /** Values are arrays of the enum (possibly through domains). */
  array: boolean;
}

/** What one scan found in one enum column. */
export interface EnumReading {
  column: string;
  declared: string;
  /** `schema.name` of the enum type. */
  type: string;
  /** Rows holding at least one value missing from pg_enum. */
  unreadable: number;
}

/**
 * Every enum-valued column of the tables verify reads (ordinary tables and
 * partitions outside the system schemas and extensions — as listUserTables),
 * by `schema.table`. Domains and arrays are followed down to the enum; a
 * composite type holding an enum is not (that would mean reading its values
 * field by field; composite columns are rare in tables).
 */
export async function listEnumColumns(db: Db): Promise<Map<string, EnumColumn[]>> {
  let rows: Array<{ schema: string; table: string; column: string; declared: string; enum_schema: string; enum_name: string; array: boolean }>;
  try {
    ({ rows } = await db.query(
      `WITH RECURSIVE cols AS (
         SELECT c.oid AS rel, a.attnum, n.nspname AS schema, c.relname AS table, a.attname AS column,
                pg_catalog.format_type(a.atttypid, a.atttypmod) AS declared, a.atttypid AS typ
           FROM pg_catalog.pg_class c
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE c.relkind = 'r'
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
       ),
       -- Down through domains (typbasetype) and at most one array level (typelem of a varlena base type).
       walk (rel, attnum, cur, arr, depth) AS (
         SELECT rel, attnum, typ, false, 0 FROM cols
         UNION ALL
         SELECT w.rel, w.attnum, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END, w.arr OR t.typtype <> 'd', w.depth + 1
           FROM walk w JOIN pg_catalog.pg_type t ON t.oid = w.cur
          WHERE w.depth < 32 AND (t.typtype = 'd' OR (NOT w.arr AND t.typtype = 'b' AND t.typelem <> 0 AND t.typlen = -1))
       )
       SELECT cols.schema, cols.table, cols.column, cols.declared, en.nspname AS enum_schema, e.typname AS enum_name, w.arr AS array
         FROM walk w
         JOIN cols ON cols.rel = w.rel AND cols.attnum = w.attnum
         JOIN pg_catalog.pg_type e ON e.oid = w.cur AND e.typtype = 'e'
         JOIN pg_catalog.pg_namespace en ON en.oid = e.typnamespace
        ORDER BY 1, 2, cols.attnum`,
    ));
  } catch (cause) {
    throw queryError('could not list the enum columns', cause);
  }
  const out = new Map<string, EnumColumn[]>();
  for (const r of rows) {
    const column: EnumColumn = { schema: r.schema, table: r.table, column: r.column, declared: r.declared, enumType: { schema: r.enum_schema, name: r.enum_name }, array: r.array };
    const key = tableKey(column);
    out.set(key, [...(out.get(key) ?? []), column]);
  }
  return out;
}

/**
 * Select-list items counting, per column, the rows of `FROM ... AS r` holding
 * a value missing from pg_enum (`, count(*) FILTER (...) AS e0, ...`): to add
 * to a query that reads the table anyway.
 */
export function unreadableCounts(columns: EnumColumn[]): string {
  return columns.map((c, i) => `, pg_catalog.count(*) FILTER (WHERE ${unreadable(c)}) AS e${i}`).join('');
}

/** The counts unreadableCounts selected, as readings. */
export function readingsOf(columns: EnumColumn[], row: Record<string, unknown>): EnumReading[] {
  return columns.map((c, i) => ({ column: c.column, declared: c.declared, type: `${c.enumType.schema}.${c.enumType.name}`, unreadable: Number(row[`e${i}`]) }));
}

/** Read one table's enum columns (nothing else): one sequential scan, no value printed. */
export async function readEnumColumns(db: Db, columns: EnumColumn[]): Promise<EnumReading[]> {
  const first = columns[0]!;
  const name = quoteQualified(first.schema, first.table);
  try {
    const { rows } = await db.query<Record<string, unknown>>(`SELECT pg_catalog.count(*) AS n${unreadableCounts(columns)} FROM ONLY ${name} AS r`);
    return readingsOf(columns, rows[0]!);
  } catch (cause) {
    throw queryError(`could not read the enum columns of ${name}`, cause);
  }
}

/** True for a row whose value in `c` (any element, for arrays) is not in pg_enum; NULLs are readable. */
function unreadable(c: EnumColumn): string {
  const type = quoteQualified(c.enumType.schema, c.enumType.name);
  const col = `r.${quoteIdent(c.column)}`;
  // The cast makes the scalar subquery an expression: `<> ALL ((SELECT ...))` alone would read as a sub-select.
  const labels = `(SELECT pg_catalog.enum_range(NULL::${type}))::${type}[]`;
  return c.array
    ? `NOT (pg_catalog.array_remove((${col})::${type}[], NULL) OPERATOR(pg_catalog.<@) ${labels})`
    : `${col} IS NOT NULL AND (${col})::${type} OPERATOR(pg_catalog.<>) ALL (${labels})`;
}
