/**
 * Data at risk: what a down migration would drop or rewrite, measured live.
 * The objects come from the down's parse tree; the numbers (rows, non-null
 * values, bytes) from the database as it is now — the data written since the
 * migration ran, which an undo would destroy. Where the up itself filled the
 * object (a backfilled column, a seeded table), the part still equal to what
 * the up computes is reported as derived (see derived.ts).
 */
import type { Db } from '../../db/connection.js';
import { quoteIdent, quoteQualified } from '../../db/connection.js';
import { alterCmds, as, list, nameKey, names, relKey, splitRelKey, str, typeNameParts, type Fields } from '../../sql/ast.js';
import type { ParsedStatement } from '../../sql/parser.js';
import type { Fill } from '../../classify/types.js';
import { measureDerived, type DerivedCount } from './derived.js';

export type RiskAction = 'drop-table' | 'drop-column' | 'truncate' | 'delete' | 'update' | 'alter-type' | 'drop-schema';

/** An object a down statement would destroy or change. */
export interface RiskTarget {
  action: RiskAction;
  schema: string;
  table: string | null;
  column: string | null;
  /** Line of the statement in the down migration. */
  line: number;
  /** A DELETE/UPDATE with a WHERE clause: only some rows are affected. */
  filtered: boolean;
  /**
   * An unqualified name after the down set its own search_path (`SET LOCAL search_path TO billing, public`):
   * the schemas it is looked up in, first match wins. Absent: `schema` as given (`public` for an unqualified name).
   */
  searchPath?: string[];
}

export interface RiskObject extends Omit<RiskTarget, 'filtered'> {
  /** Schema-qualified display name: `public.orders` or `public.orders.note`. */
  name: string;
  exists: boolean;
  /** Rows in the table, or rows with a non-null value in the column. */
  rows: number;
  bytes: number;
  /** True when `rows` counts every row though the statement has a WHERE (an upper bound). */
  upperBound: boolean;
  /**
   * Of `rows`/`bytes`, what the migration computed itself and would compute again
   * (recomputable, not data users wrote); null when the up did not fill this
   * object, or its filling statement could not be re-evaluated.
   */
  derived: DerivedCount | null;
}

export interface AtRisk {
  rows: number;
  bytes: number;
  objects: RiskObject[];
  /** The derived part of rows/bytes (the rest is original data). */
  derived: DerivedCount;
}


/** What each statement would destroy or rewrite (pure: from the parse tree). */
export function riskTargets(statements: readonly ParsedStatement[]): RiskTarget[] {
  const out: RiskTarget[] = [];
  const enums = new Set<string>();
  let searchPath: string[] | null = null;
  // A relation as written, never split on a dot (`"Sales.EU"."Order Line"`); an unqualified one under the down's own search_path.
  const relation = (parts: string[]): { schema: string; table: string; searchPath?: string[] } | undefined => {
    const table = parts.at(-1);
    if (!table) return undefined;
    if (parts.length > 1) return { schema: parts.at(-2)!, table };
    const { schema } = splitRelKey(relKey({ relname: table })!);
    return searchPath && schema !== 'pg_catalog' ? { schema: searchPath.find((s) => s !== '$user') ?? schema, table, searchPath } : { schema, table };
  };
  const rangeVar = (rv: unknown) => {
    const r = (as(rv, 'RangeVar') ?? rv) as Fields | undefined;
    const name = str(r?.relname);
    return name ? relation([...(str(r?.schemaname) ? [str(r?.schemaname)!] : []), name]) : undefined;
  };
  for (const stmt of statements) {
    const { kind, node, line } = stmt;
    if (kind === 'VariableSetStmt' && str(node.name) === 'search_path') {
      const path = list(node.args).map((a) => str(as(as(a, 'A_Const')?.sval, 'String')?.sval ?? (as(a, 'A_Const')?.sval as Fields | undefined)?.sval)).filter((v): v is string => v !== undefined);
      searchPath = str(node.kind) === 'VAR_SET_VALUE' && path.length > 0 ? path : null;
    } else if (kind === 'CreateEnumStmt') {
      const key = nameKey(names(node.typeName));
      if (key) enums.add(key);
    } else if (kind === 'DropStmt') {
      const removeType = str(node.removeType);
      for (const obj of list(node.objects)) {
        const rel = relation(names(as(obj, 'List')?.items ?? obj));
        if (!rel) continue;
        if (removeType === 'OBJECT_TABLE' || removeType === 'OBJECT_MATVIEW') out.push({ action: 'drop-table', ...rel, column: null, line, filtered: false });
      }
      if (removeType === 'OBJECT_SCHEMA' && str(node.behavior) === 'DROP_CASCADE') {
        for (const obj of list(node.objects)) {
          const schema = str(as(obj, 'String')?.sval);
          if (schema) out.push({ action: 'drop-schema', schema, table: null, column: null, line, filtered: false });
        }
      }
    } else if (kind === 'AlterTableStmt') {
      const rel = rangeVar(node.relation);
      if (!rel) continue;
      for (const cmd of alterCmds(node)) {
        const subtype = str(cmd.subtype);
        const column = str(cmd.name) ?? null;
        if (subtype === 'AT_DropColumn') out.push({ action: 'drop-column', ...rel, column, line, filtered: false });
        if (subtype === 'AT_AlterColumnType' && !(column !== null && labelsKept(cmd, column, enums))) out.push({ action: 'alter-type', ...rel, column, line, filtered: false });
      }
    } else if (kind === 'TruncateStmt') {
      for (const r of list(node.relations)) {
        const rel = rangeVar(r);
        if (rel) out.push({ action: 'truncate', ...rel, column: null, line, filtered: false });
      }
    } else if (kind === 'DeleteStmt' || kind === 'UpdateStmt') {
      const rel = rangeVar(node.relation);
      if (rel) out.push({ action: kind === 'DeleteStmt' ? 'delete' : 'update', ...rel, column: null, line, filtered: node.whereClause !== undefined });
    }
  }
  return out;
}

/**
 * A column moved onto an enum the same down created (TypeORM's enum change
 * undone: `USING "status"::"text"::"public"."x_enum_old"`): each label is
 * kept as it is, or the statement fails on a value the enum does not have
 * (down-blockers.ts finds those rows first). No value is changed or lost.
 */
function labelsKept(cmd: Fields, column: string, enums: ReadonlySet<string>): boolean {
  const def = as(cmd.def, 'ColumnDef');
  const target = nameKey(typeNameParts(def?.typeName));
  if (target === undefined || !enums.has(target)) return false;
  if (def?.raw_default === undefined) return true;
  // The cast to the enum, of the column itself or of the column as text.
  const cast = as(def.raw_default, 'TypeCast');
  if (!cast || nameKey(typeNameParts(cast.typeName)) !== target) return false;
  const inner = as(cast.arg, 'TypeCast');
  const ref = inner ? (['text', 'varchar'].includes(typeNameParts(inner.typeName).at(-1) ?? '') ? inner.arg : undefined) : cast.arg;
  return names(as(ref, 'ColumnRef')?.fields).at(-1) === column;
}

/**
 * Measure each target in the live database; objects that do not exist count zero.
 * `fills`: what the migration's up filled itself, for the derived split.
 */
export async function measureAtRisk(db: Db, targets: readonly RiskTarget[], fills: readonly Fill[] = []): Promise<AtRisk> {
  const objects: RiskObject[] = [];
  for (const given of targets) {
    const target = await onSearchPath(db, given);
    if (target.action === 'drop-schema') {
      const { rows } = await db.query<{ table: string }>(
        `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm', 'p') ORDER BY 1`,
        [target.schema],
      );
      for (const row of rows) objects.push(await measureTable(db, { ...target, table: row.table }, false));
      continue;
    }
    const object = target.column !== null && (target.action === 'drop-column' || target.action === 'alter-type') ? await measureColumn(db, target) : await measureTable(db, target, target.filtered);
    objects.push(await withDerived(db, object, fills));
  }
  return {
    rows: objects.reduce((n, o) => n + o.rows, 0),
    bytes: objects.reduce((n, o) => n + o.bytes, 0),
    objects,
    derived: {
      rows: objects.reduce((n, o) => n + (o.derived?.rows ?? 0), 0),
      bytes: objects.reduce((n, o) => n + (o.derived?.bytes ?? 0), 0),
    },
  };
}

/** Only whole drops lose derived data as such: a dropped column the up filled, a dropped table it seeded. */
async function withDerived(db: Db, object: RiskObject, fills: readonly Fill[]): Promise<RiskObject> {
  if (!object.exists || object.rows === 0) return object;
  const table = `${object.schema}.${object.table}`;
  const mine =
    object.action === 'drop-column'
      ? fills.filter((f) => f.object === 'column' && f.table === table && f.column === object.column)
      : object.action === 'drop-table'
        ? fills.filter((f) => f.object === 'table' && f.table === table)
        : [];
  if (mine.length === 0) return object;
  const derived = await measureDerived(db, mine);
  if (derived === null) return object;
  const rows = Math.min(derived.rows, object.rows);
  // A table's bytes include its indexes and free space: the derived share is proportional to its rows.
  const bytes = object.action === 'drop-table' ? Math.round((object.bytes * rows) / object.rows) : Math.min(derived.bytes, object.bytes);
  return { ...object, derived: { rows, bytes } };
}

async function measureTable(db: Db, { filtered: _filtered, ...target }: RiskTarget, upperBound: boolean): Promise<RiskObject> {
  const name = `${target.schema}.${target.table}`;
  const exists = await relationExists(db, target.schema, target.table!);
  if (!exists) return { ...target, name, exists, rows: 0, bytes: 0, upperBound: false, derived: null };
  const qualified = quoteQualified(target.schema, target.table!);
  const { rows } = await db.query<{ n: string; bytes: string }>(
    // A partitioned table holds no storage of its own: its bytes are its partitions' (pg_partition_tree lists it and them).
    `SELECT (SELECT count(*) FROM ${qualified}) AS n,
            CASE WHEN (SELECT relkind FROM pg_class WHERE oid = to_regclass($1)) = 'p'
                 THEN (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree(to_regclass($1)))
                 ELSE pg_total_relation_size(to_regclass($1)) END AS bytes`,
    [qualified],
  );
  return { ...target, name, exists, rows: Number(rows[0]!.n), bytes: Number(rows[0]!.bytes), upperBound, derived: null };
}

async function measureColumn(db: Db, { filtered: _filtered, ...target }: RiskTarget): Promise<RiskObject> {
  const name = `${target.schema}.${target.table}.${target.column}`;
  const { rows: found } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped) AS ok`,
    [target.schema, target.table, target.column],
  );
  if (!found[0]?.ok) return { ...target, name, exists: false, rows: 0, bytes: 0, upperBound: false, derived: null };
  const column = quoteIdent(target.column!);
  const { rows } = await db.query<{ n: string; bytes: string }>(
    `SELECT count(${column}) AS n, coalesce(sum(pg_column_size(${column})), 0) AS bytes FROM ${quoteQualified(target.schema, target.table!)}`,
  );
  return { ...target, name, exists: true, rows: Number(rows[0]!.n), bytes: Number(rows[0]!.bytes), upperBound: false, derived: null };
}

/** An unqualified name under the down's own search_path: in the first of its schemas that holds it (else the first schema). */
async function onSearchPath(db: Db, target: RiskTarget): Promise<RiskTarget> {
  const { searchPath, ...rest } = target;
  if (!searchPath || rest.table === null) return rest;
  for (const schema of searchPath) if (await relationExists(db, schema, rest.table)) return { ...rest, schema };
  return rest;
}

async function relationExists(db: Db, schema: string, table: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [quoteQualified(schema, table)]);
  return Boolean(rows[0]?.ok);
}
