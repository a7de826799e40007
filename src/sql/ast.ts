/**
 * Small readers over libpg-query's JSON parse tree (node shapes are those of
 * PostgreSQL 17's parsenodes.h). Everything here is defensive: a field the
 * parser omitted reads as undefined/empty, never throws.
 */
import { CATALOG_RELATIONS } from './catalog-relations.js';
import type { PgNode } from './parser.js';

export type Fields = Record<string, unknown>;

/** The fields under a node of the given type, if `node` is one. */
export function as(node: unknown, type: string): Fields | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const value = (node as PgNode)[type];
  return typeof value === 'object' && value !== null ? (value as Fields) : undefined;
}


export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `[{String:{sval}}...]` → ['a', 'b']. */
export function names(value: unknown): string[] {
  const out: string[] = [];
  if (!Array.isArray(value)) return out;
  // A loop, not map and filter: read for most statements, mostly before V8 optimises it.
  for (let i = 0; i < value.length; i++) {
    const sval = as(value[i], 'String')?.sval;
    if (typeof sval === 'string') out.push(sval);
  }
  return out;
}

/**
 * A RangeVar a statement reads or writes, as a key: `schema.name`. Unqualified
 * names are taken as `public`, except the system catalog's own relations
 * (`pg_enum`, `pg_class`, ...): pg_catalog is searched first, so they are
 * `pg_catalog.pg_enum`.
 */
export function relKey(rangeVar: unknown): string | undefined {
  const rv = (as(rangeVar, 'RangeVar') ?? rangeVar) as Fields | undefined;
  const name = str(rv?.relname);
  if (!name) return undefined;
  return `${str(rv?.schemaname) ?? (CATALOG_RELATIONS.has(name) ? 'pg_catalog' : 'public')}.${name}`;
}

/**
 * A RangeVar a statement creates, as a key: unqualified names always go to
 * `public` (the first schema of the search path; pg_catalog is searched first
 * but never created in), whatever the name.
 */
export function createdRelKey(rangeVar: unknown): string | undefined {
  const rv = (as(rangeVar, 'RangeVar') ?? rangeVar) as Fields | undefined;
  const name = str(rv?.relname);
  if (!name) return undefined;
  return `${str(rv?.schemaname) ?? 'public'}.${name}`;
}

/** A `schema.name` key back into its parts (the inverse of relKey). */
export function splitRelKey(key: string): { schema: string; table: string } {
  const dot = key.indexOf('.');
  return { schema: key.slice(0, dot), table: key.slice(dot + 1) };
}

/** A qualified name list (`['s','t']` or `['t']`) as a key. */
export function nameKey(parts: string[]): string | undefined {
  if (parts.length === 0) return undefined;
  const name = parts[parts.length - 1]!;
  const schema = parts.length > 1 ? parts[parts.length - 2]! : 'public';
  return `${schema}.${name}`;
}

/** Human form of a key: `public.t` → `t`. */
export function display(key: string | undefined): string {
  if (!key) return '?';
  return key.startsWith('public.') ? key.slice('public.'.length) : key;
}

export interface TypeInfo {
  /** Base type name without the pg_catalog qualifier (`int4`, `varchar`, `timestamptz`, ...). */
  readonly name: string;
  /** Numeric type modifiers (`varchar(20)` → [20]); null when a modifier is not a literal. */
  readonly mods: readonly number[] | null;
  readonly array: boolean;
  /** As written back, e.g. `varchar(20)`. */
  readonly text: string;
}

const TYPE_ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  real: 'float4',
  'double precision': 'float8',
  decimal: 'numeric',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  boolean: 'bool',
  serial: 'serial4',
  bigserial: 'serial8',
  smallserial: 'serial2',
};

/**
 * What is read once per parse-tree node and asked for by several rules is kept on the node itself,
 * under a symbol (the tree is never changed, and JSON, Object.entries and walk() do not see
 * symbol keys). A WeakMap would do the same, but its entries are ephemerons that every scavenge
 * of a 1,000-file classify processes again; on the node they are ordinary fields.
 */
export function memoOnNode<T>(node: object, key: symbol, read: (node: never) => T): T {
  const slots = node as Record<symbol, T | undefined>;
  if (key in slots) return slots[key] as T;
  const value = read(node as never);
  slots[key] = value;
  return value;
}

/** A type's name parts (`['public', 'mood']`, `['pg_catalog', 'int4']`) from a TypeName node, wrapped or bare. */
export function typeNameParts(typeName: unknown): string[] {
  return names((as(typeName, 'TypeName') ?? (typeName as Fields | undefined))?.names);
}

const TYPE_INFO = Symbol('typeInfo');

/** A column's type is read by several rules: once per parse-tree node. */
export function typeInfo(typeName: unknown): TypeInfo | undefined {
  const tn = (as(typeName, 'TypeName') ?? typeName) as Fields | undefined;
  if (!tn) return undefined;
  return memoOnNode(tn, TYPE_INFO, readTypeInfo);
}

function readTypeInfo(tn: Fields): TypeInfo | undefined {
  const parts = names(tn.names);
  if (parts.length === 0) return undefined;
  const last = parts[parts.length - 1]!;
  const name = TYPE_ALIASES[last] ?? last;
  const rawMods = list(tn.typmods);
  let mods: number[] | null = [];
  for (const m of rawMods) {
    const ival = as(as(m, 'A_Const')?.ival, 'Integer') ?? (as(m, 'A_Const')?.ival as Fields | undefined);
    const v = ival?.ival;
    if (typeof v === 'number') mods.push(v);
    else if (ival && v === undefined) mods.push(0);
    else mods = null;
    if (mods === null) break;
  }
  const array = list(tn.arrayBounds).length > 0;
  const text = `${parts.length > 1 && parts[0] !== 'pg_catalog' ? `${parts.slice(0, -1).join('.')}.` : ''}${name}${mods && mods.length ? `(${mods.join(',')})` : ''}${array ? '[]' : ''}`;
  return { name, mods, array, text };
}

/** Walk every node under `root`, calling `visit(type, fields)`; return true from visit to stop early. */
export function walk(root: unknown, visit: (type: string, fields: Fields) => boolean | void): boolean {
  if (Array.isArray(root)) {
    for (let i = 0; i < root.length; i++) if (walk(root[i], visit)) return true;
    return false;
  }
  if (typeof root !== 'object' || root === null) return false;
  // for-in and a character test, not Object.entries, a destructuring and a regular expression per key: a walk
  // visits every node of a statement, mostly before V8 optimises it. (Parse trees are plain JSON objects: no
  // inherited enumerable keys; the memos' symbol keys are not enumerated either way.)
  const fields = root as Fields;
  for (const key in fields) {
    const value = fields[key];
    if (typeof value !== 'object' || value === null) continue;
    // Node wrappers have an upper-case type name as their only key.
    const first = key.charCodeAt(0);
    if (first >= 65 && first <= 90 && !Array.isArray(value)) {
      if (visit(key, value as Fields)) return true;
    }
    if (walk(value, visit)) return true;
  }
  return false;
}

/** Names of functions called anywhere under `root` (lower case, unqualified). */
export function calledFunctions(root: unknown): string[] {
  const out: string[] = [];
  walk(root, (type, fields) => {
    if (type === 'FuncCall') {
      const parts = names(fields.funcname);
      if (parts.length) out.push(parts[parts.length - 1]!.toLowerCase());
    } else if (type === 'SQLValueFunction') {
      out.push(String(fields.op ?? '').toLowerCase());
    }
  });
  return out;
}

/** DefElem option names in an options list (`VACUUM (FULL)`, `REINDEX (CONCURRENTLY)`). */
export function optionNames(options: unknown): string[] {
  return list(options)
    .map((o) => str(as(o, 'DefElem')?.defname)?.toLowerCase())
    .filter((s): s is string => s !== undefined);
}

const ALTER_CMDS = Symbol('alterCmds');

/** The AlterTableCmd fields of an ALTER TABLE statement (read once per statement: some 35 rules ask). */
export function alterCmds(node: Fields): Fields[] {
  return memoOnNode(node, ALTER_CMDS, readAlterCmds);
}

function readAlterCmds(node: Fields): Fields[] {
  return nodesOf(node.cmds, 'AlterTableCmd');
}

/** Constraint fields of a ColumnDef. */
export function columnConstraints(columnDef: Fields | undefined): Fields[] {
  return nodesOf(columnDef?.constraints, 'Constraint');
}

/**
 * The fields of the items of a node list that are nodes of `type` (the others skipped). A loop, not map and
 * filter: the readers above run for most statements of a history, mostly before V8 optimises them.
 */
export function nodesOf(value: unknown, type: string): Fields[] {
  const out: Fields[] = [];
  if (!Array.isArray(value)) return out;
  for (let i = 0; i < value.length; i++) {
    const fields = as(value[i], type);
    if (fields !== undefined) out.push(fields);
  }
  return out;
}

/** Whether an ALTER TABLE targets a table (not an index, view, sequence, ...). */
export function isTableAlter(node: Fields): boolean {
  const objtype = str(node.objtype);
  return objtype === undefined || objtype === 'OBJECT_TABLE' || objtype === 'OBJECT_FOREIGN_TABLE';
}

/** The name parts of a statement's target object, whichever way the parser stored it. */
export function objectNameParts(n: Fields): string[] {
  const rel = (as(n.relation, 'RangeVar') ?? n.relation) as Fields | undefined;
  if (rel && str(rel.relname)) return [str(rel.schemaname), str(rel.relname)].filter((s): s is string => s !== undefined);
  const obj = n.object;
  const fromList = names(as(obj, 'List')?.items);
  if (fromList.length) return fromList;
  const fromFunc = names(as(obj, 'ObjectWithArgs')?.objname);
  if (fromFunc.length) return fromFunc;
  const fromType = names(as(obj, 'TypeName')?.names);
  if (fromType.length) return fromType;
  const single = str(as(obj, 'String')?.sval) ?? str(n.subname);
  return single ? [single] : [];
}
