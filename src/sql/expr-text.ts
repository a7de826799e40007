/**
 * SQL text of a condition from its parse tree, for the simple forms CHECK
 * constraints take (column references, literals, operators, IN / ANY lists,
 * AND / OR / NOT, IS [NOT] NULL, BETWEEN, casts to plainly named types,
 * function calls): what plan needs to ask the live database which rows a
 * down migration's CHECK would reject. Every identifier and literal is
 * quoted anew; any other node gives undefined (the caller says it could not
 * check), never a guess.
 */
import { quoteIdent, quoteLiteral } from '../db/connection.js';
import { as, list, names, str, type Fields } from './ast.js';

/** The condition as SQL, or undefined when it holds a form not written here. */
export function exprText(node: unknown): string | undefined {
  try {
    return write(node);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

class Unsupported extends Error {}

/** Plain operator names: no quoting needed, and nothing that could end the expression. */
const OPERATOR = /^[+\-*/<>=~!@#%^&|`?]+$/;

function write(node: unknown): string {
  const ref = as(node, 'ColumnRef');
  if (ref) {
    const parts = list(ref.fields).map((f) => {
      const s = str(as(f, 'String')?.sval);
      if (s === undefined) throw new Unsupported();
      return quoteIdent(s);
    });
    if (parts.length === 0) throw new Unsupported();
    return parts.join('.');
  }
  const c = as(node, 'A_Const');
  if (c) return constant(c);
  const a = as(node, 'A_Expr');
  if (a) return aExpr(a);
  const bool = as(node, 'BoolExpr');
  if (bool) {
    const args = list(bool.args).map(write);
    const op = str(bool.boolop);
    if (op === 'NOT_EXPR' && args.length === 1) return `(NOT ${args[0]})`;
    if ((op === 'AND_EXPR' || op === 'OR_EXPR') && args.length > 0) return `(${args.join(op === 'AND_EXPR' ? ' AND ' : ' OR ')})`;
    throw new Unsupported();
  }
  const test = as(node, 'NullTest');
  if (test) {
    const type = str(test.nulltesttype);
    if (type !== 'IS_NULL' && type !== 'IS_NOT_NULL') throw new Unsupported();
    return `(${write(test.arg)} ${type === 'IS_NULL' ? 'IS NULL' : 'IS NOT NULL'})`;
  }
  const cast = as(node, 'TypeCast');
  if (cast) return `(${write(cast.arg)})::${typeText(cast.typeName)}`;
  const fn = as(node, 'FuncCall');
  if (fn) {
    if (fn.agg_star || fn.agg_distinct || fn.over || fn.agg_order || fn.agg_filter || fn.func_variadic) throw new Unsupported();
    const name = names(fn.funcname);
    if (name.length === 0) throw new Unsupported();
    return `${name.map(quoteIdent).join('.')}(${list(fn.args).map(write).join(', ')})`;
  }
  const array = as(node, 'A_ArrayExpr');
  if (array) return `ARRAY[${list(array.elements).map(write).join(', ')}]`;
  throw new Unsupported();
}

function aExpr(a: Fields): string {
  const op = names(a.name);
  const name = op.join('.');
  const kind = str(a.kind);
  // BETWEEN's name is the word itself; every other kind's is an operator.
  if (kind !== 'AEXPR_BETWEEN' && kind !== 'AEXPR_NOT_BETWEEN' && (op.length !== 1 || !OPERATOR.test(name))) throw new Unsupported();
  switch (kind) {
    case 'AEXPR_OP':
      // A prefix operator (`-x`) has no left side.
      return a.lexpr === undefined ? `(${name} ${write(a.rexpr)})` : `(${write(a.lexpr)} ${name} ${write(a.rexpr)})`;
    case 'AEXPR_IN': {
      const items = list(as(a.rexpr, 'List')?.items ?? a.rexpr).map(write);
      if (items.length === 0 || (name !== '=' && name !== '<>')) throw new Unsupported();
      return `(${write(a.lexpr)} ${name === '=' ? 'IN' : 'NOT IN'} (${items.join(', ')}))`;
    }
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      return `(${write(a.lexpr)} ${name} ${kind === 'AEXPR_OP_ANY' ? 'ANY' : 'ALL'} (${write(a.rexpr)}))`;
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      const bounds = list(as(a.rexpr, 'List')?.items ?? a.rexpr).map(write);
      if (bounds.length !== 2) throw new Unsupported();
      return `(${write(a.lexpr)} ${kind === 'AEXPR_BETWEEN' ? 'BETWEEN' : 'NOT BETWEEN'} ${bounds[0]} AND ${bounds[1]})`;
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      const like = kind === 'AEXPR_LIKE' ? 'LIKE' : 'ILIKE';
      if (name !== '~~' && name !== '!~~' && name !== '~~*' && name !== '!~~*') throw new Unsupported();
      return `(${write(a.lexpr)} ${name.startsWith('!') ? 'NOT ' : ''}${like} ${write(a.rexpr)})`;
    }
    default:
      throw new Unsupported();
  }
}

function constant(c: Fields): string {
  if (c.isnull) return 'NULL';
  const s = as(c, 'sval');
  if (s) return quoteLiteral(str(s.sval) ?? '');
  const i = as(c, 'ival');
  // The parser leaves out a zero.
  if (i) return String(typeof i.ival === 'number' ? i.ival : 0);
  const f = as(c, 'fval');
  if (f && /^[0-9.eE+-]+$/.test(str(f.fval) ?? '')) return str(f.fval)!;
  const b = as(c, 'boolval');
  if (b) return b.boolval === true ? 'true' : 'false';
  throw new Unsupported();
}

/** A type name as SQL (`"pg_catalog"."varchar"(20)`), or undefined for a form not written here. */
export function typeNameText(typeName: unknown): string | undefined {
  try {
    return typeText(typeName);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

/** `text`, `pg_catalog.varchar(20)`, `int[]`: names and literal modifiers only. */
function typeText(typeName: unknown): string {
  const t = (as(typeName, 'TypeName') ?? typeName) as Fields | undefined;
  const parts = names(t?.names);
  if (t === undefined || parts.length === 0 || t.setof || t.pct_type) throw new Unsupported();
  const mods = list(t.typmods).map((m) => {
    const v = as(as(m, 'A_Const'), 'ival')?.ival;
    if (typeof v !== 'number') throw new Unsupported();
    return String(v);
  });
  const bounds = list(t.arrayBounds).map(() => '[]').join('');
  return `${parts.map(quoteIdent).join('.')}${mods.length > 0 ? `(${mods.join(', ')})` : ''}${bounds}`;
}
