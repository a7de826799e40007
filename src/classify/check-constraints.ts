/**
 * CHECK constraints as migrations create, drop and replace them, and whether
 * a replacement only relaxes the one it replaces.
 *
 * The common way to add a value to an enum-like column is a CHECK swap: drop
 * `orders_status_check`, add it again listing one value more (Knex's `enu`,
 * Rails' and Django's choices columns, hand-written SQL). Rows the previous
 * app version writes passed the old check, so they pass a wider one: the swap
 * is additive, not the breaking tightening a brand-new CHECK is. Whether the
 * new check is implied by the old one is decided here for the forms such
 * swaps take — a column's value set (`IN (...)`, `= ANY (ARRAY[...])`, ORed
 * equalities), a bound (`expr <= 100` → `expr <= 255`), an unchanged
 * condition — and their conjunctions. Anything else is not known to relax,
 * and stays a tightening.
 */
import { alterCmds, as, createdRelKey, list, names, relKey, str, type Fields } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';

/** A CHECK a statement creates: its table, its name (PostgreSQL's own when the SQL gives none) and condition. */
export interface CreatedCheck {
  table: string;
  name: string;
  expr: unknown;
}

/** PostgreSQL's limit on a name (NAMEDATALEN − 1 bytes): a longer generated name is cut, which is not followed here. */
const MAX_NAME = 63;

const NONE: readonly CreatedCheck[] = Object.freeze([]);

/**
 * Every CHECK constraint the statement adds (CREATE TABLE's column and table constraints, ALTER TABLE's ADD
 * CONSTRAINT and ADD COLUMN). Plain loops and no closures: asked of every CREATE and ALTER TABLE of a
 * history, mostly before V8 optimises it, and most add no CHECK.
 */
export function checksCreatedBy(stmt: ParsedStatement): readonly CreatedCheck[] {
  if (stmt.kind !== 'CreateStmt' && stmt.kind !== 'AlterTableStmt') return NONE;
  const n = stmt.node;
  let out: CreatedCheck[] | undefined;
  if (stmt.kind === 'CreateStmt') {
    const created = createdRelKey(n.relation);
    const elts = list(n.tableElts);
    for (let i = 0; i < elts.length; i++) {
      const def = as(elts[i], 'ColumnDef');
      if (def !== undefined) {
        const cons = list(def.constraints);
        for (let j = 0; j < cons.length; j++) out = withCheck(out, created, as(cons[j], 'Constraint'), str(def.colname));
      } else {
        out = withCheck(out, created, as(elts[i], 'Constraint'), undefined);
      }
    }
    return out ?? NONE;
  }
  const cmds = alterCmds(n);
  for (let i = 0; i < cmds.length; i++) {
    const subtype = str(cmds[i]!.subtype);
    if (subtype === 'AT_AddConstraint') {
      out = withCheck(out, relKey(n.relation), as(cmds[i]!.def, 'Constraint'), undefined);
    } else if (subtype === 'AT_AddColumn') {
      const def = as(cmds[i]!.def, 'ColumnDef');
      const cons = list(def?.constraints);
      for (let j = 0; j < cons.length; j++) out = withCheck(out, relKey(n.relation), as(cons[j], 'Constraint'), str(def?.colname));
    }
  }
  return out ?? NONE;
}

/** `out` with the constraint added when it is a CHECK whose name is known. */
function withCheck(out: CreatedCheck[] | undefined, table: string | undefined, con: Fields | undefined, column: string | undefined): CreatedCheck[] | undefined {
  if (con === undefined || str(con.contype) !== 'CONSTR_CHECK' || con.raw_expr === undefined) return out;
  if (table === undefined) return out;
  const name = str(con.conname) ?? defaultCheckName(table.slice(table.indexOf('.') + 1), column, con.raw_expr);
  if (name === undefined) return out;
  (out ??= []).push({ table, name, expr: con.raw_expr });
  return out;
}

/**
 * The name PostgreSQL gives an unnamed CHECK: `table_column_check` when its condition reads one column
 * (a column constraint's own, or the one a table constraint reads), else `table_check`. undefined when
 * that name would be longer than PostgreSQL keeps (it then shortens it its own way).
 */
export function defaultCheckName(relname: string, column: string | undefined, expr: unknown): string | undefined {
  const read = columnsRead(expr);
  const only = read.size === 1 ? [...read][0] : read.size === 0 ? column : undefined;
  const name = only !== undefined ? `${relname}_${only}_check` : `${relname}_check`;
  return Buffer.byteLength(name) <= MAX_NAME ? name : undefined;
}

/** Column names a condition reads (the last part of each column reference). */
export function columnsRead(expr: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const ref = as(node, 'ColumnRef');
    if (ref) {
      const parts = names(ref.fields);
      if (parts.length > 0) out.add(parts[parts.length - 1]!);
      return;
    }
    for (const key in node) if (key !== 'location') visit((node as Fields)[key]);
  };
  visit(expr);
  return out;
}

/**
 * Whether every row that satisfies `before` satisfies `after`: each condition ANDed in `after` is
 * implied by one ANDed in `before` (the same condition, a value set it contains, a looser bound).
 * False whenever that cannot be shown.
 */
export function checkRelaxes(before: unknown, after: unknown): boolean {
  const olds = conjuncts(before);
  return conjuncts(after).every((n) => olds.some((o) => impliesAtom(o, n)));
}

function conjuncts(expr: unknown): unknown[] {
  const bool = as(expr, 'BoolExpr');
  if (bool && str(bool.boolop) === 'AND_EXPR') return list(bool.args).flatMap(conjuncts);
  return [expr];
}

function impliesAtom(before: unknown, after: unknown): boolean {
  if (sameTree(before, after)) return true;
  const oldSet = valueSet(before);
  const newSet = valueSet(after);
  if (oldSet && newSet) return oldSet.column === newSet.column && [...oldSet.values].every((v) => newSet.values.has(v));
  const oldBound = bound(before);
  const newBound = bound(after);
  if (oldBound && newBound && oldBound.upper === newBound.upper && sameTree(oldBound.expr, newBound.expr)) {
    if (newBound.value !== oldBound.value) return oldBound.upper ? newBound.value > oldBound.value : newBound.value < oldBound.value;
    return newBound.inclusive || !oldBound.inclusive;
  }
  return false;
}

/** `col IN (...)`, `col = ANY (ARRAY[...])`, `col = v`, or such ORed together: the column and its allowed values. */
function valueSet(expr: unknown): { column: string; values: Set<string> } | undefined {
  const bool = as(expr, 'BoolExpr');
  if (bool) {
    if (str(bool.boolop) !== 'OR_EXPR') return undefined;
    const parts = list(bool.args).map(valueSet);
    const first = parts[0];
    if (!first || parts.some((p) => p === undefined || p.column !== first.column)) return undefined;
    return { column: first.column, values: new Set(parts.flatMap((p) => [...p!.values])) };
  }
  const a = as(expr, 'A_Expr');
  if (!a || names(a.name).join('.') !== '=') return undefined;
  const column = columnOf(a.lexpr);
  if (column === undefined) return undefined;
  const kind = str(a.kind);
  let items: unknown[];
  if (kind === 'AEXPR_IN') items = list(as(a.rexpr, 'List')?.items);
  else if (kind === 'AEXPR_OP_ANY') items = list(as(uncast(a.rexpr), 'A_ArrayExpr')?.elements);
  else if (kind === 'AEXPR_OP') items = [a.rexpr];
  else return undefined;
  const values = new Set<string>();
  for (const item of items) {
    const value = constant(item);
    if (value === undefined) return undefined;
    values.add(value);
  }
  return values.size > 0 ? { column, values } : undefined;
}

/** `expr < c`, `expr <= c`, `expr > c`, `expr >= c` with a numeric constant. */
function bound(expr: unknown): { expr: unknown; upper: boolean; inclusive: boolean; value: number } | undefined {
  const a = as(expr, 'A_Expr');
  if (!a || str(a.kind) !== 'AEXPR_OP') return undefined;
  const op = names(a.name).join('.');
  if (op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return undefined;
  const value = constant(a.rexpr);
  if (value === undefined || !value.startsWith('n:')) return undefined;
  return { expr: a.lexpr, upper: op.startsWith('<'), inclusive: op.endsWith('='), value: Number(value.slice(2)) };
}

/** A column reference, under casts to text or integer types (how PostgreSQL writes back a varchar column's check). */
function columnOf(node: unknown): string | undefined {
  const parts = names(as(uncast(node), 'ColumnRef')?.fields);
  return parts.length > 0 ? parts[parts.length - 1] : undefined;
}

/** A literal as a typed key (`s:paid`, `n:3`), under casts to text or integer types; undefined for anything else. */
function constant(node: unknown): string | undefined {
  const c = as(uncast(node), 'A_Const');
  if (!c || c.isnull) return undefined;
  const s = as(c, 'sval');
  if (s) return `s:${str(s.sval) ?? ''}`;
  const i = as(c, 'ival');
  // The parser leaves out a zero.
  if (i) return `n:${typeof i.ival === 'number' ? i.ival : 0}`;
  const f = as(c, 'fval');
  if (f && str(f.fval) !== undefined && Number.isFinite(Number(f.fval))) return `n:${Number(f.fval)}`;
  const b = as(c, 'boolval');
  if (b) return `b:${b.boolval === true}`;
  return undefined;
}

/** Casts that keep a text or integer value equal to itself: `status::text`, `'paid'::character varying`, `(ARRAY[...])::text[]`. */
const TRANSPARENT_CASTS = new Set(['text', 'varchar', 'int2', 'int4', 'int8', 'smallint', 'integer', 'int', 'bigint']);

function uncast(node: unknown): unknown {
  let current = node;
  for (let cast = as(current, 'TypeCast'); cast; cast = as(current, 'TypeCast')) {
    const typeName = as(cast.typeName, 'TypeName') ?? (cast.typeName as Fields | undefined);
    const type = names(typeName?.names).at(-1);
    if (type === undefined || !TRANSPARENT_CASTS.has(type) || list(typeName?.typmods).length > 0) return current;
    current = cast.arg;
  }
  return current;
}

/** The same parse tree, positions aside. */
function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((k) => k !== 'location');
  const keysB = Object.keys(b).filter((k) => k !== 'location');
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => sameTree((a as Fields)[k], (b as Fields)[k]));
}
