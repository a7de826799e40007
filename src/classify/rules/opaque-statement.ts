import { as, calledFunctions, list, names, str, walk, type Fields } from '../../sql/ast.js';
import type { FileState } from '../file-state.js';
import { defineRule } from '../rule.js';

/** Functions a SELECT may call without changing anything (so the SELECT is just a read). */
const READ_ONLY = new Set(['count', 'max', 'min', 'sum', 'avg', 'now', 'coalesce', 'lower', 'upper', 'length', 'version', 'current_setting', 'to_regclass', 'pg_sleep', 'exists', 'pg_get_serial_sequence']);
/** Sequence functions: they change only the sequence named by their first argument. */
const SEQUENCE_FUNCTIONS = new Set(['setval', 'nextval']);

export const opaqueStatement = defineRule({
  id: 'opaque-statement',
  summary: 'DO blocks, CALL and SELECTs of functions run code the static analysis cannot see into.',
  help: 'Write the change as plain DDL/DML where possible; otherwise rely on the catalog diff (dbrollback classify runs it in a scratch database for code migrations) and review by hand.',
  nodes: ['DoStmt', 'CallStmt', 'SelectStmt', 'ExecuteStmt'],
  check(stmt, ctx) {
    let what: string | undefined;
    if (stmt.kind === 'DoStmt') what = 'a DO block';
    else if (stmt.kind === 'CallStmt') what = `CALL ${names(as(stmt.node.funccall, 'FuncCall')?.funcname).join('.')}`;
    else if (stmt.kind === 'ExecuteStmt') what = 'EXECUTE of a prepared statement';
    else {
      const own = ownSequenceCalls(stmt.node, ctx.state);
      const unknown = calledFunctions(stmt.node).filter((f) => !READ_ONLY.has(f) && !f.startsWith('svfop_') && !(SEQUENCE_FUNCTIONS.has(f) && own));
      if (unknown.length) what = `a SELECT calling ${[...new Set(unknown)].join(', ')}`;
    }
    if (!what) return [];
    return [
      {
        message: `${what}: what it changes cannot be known statically (compatibility and data loss are not judged; reversibility unknown)`,
        effect: { opaque: true },
      },
    ];
  },
  examples: {
    flags: ["DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$;", 'CALL archive_orders(2020);', "SELECT setval('orders_id_seq', 1000);"],
    passes: [
      'SELECT count(*) FROM orders;',
      'SELECT 1;',
      "CREATE TABLE plans (id serial PRIMARY KEY, name text);\nINSERT INTO plans (id, name) VALUES (1, 'free'), (2, 'pro');\nSELECT setval(pg_get_serial_sequence('plans', 'id'), (SELECT max(id) FROM plans));",
      "CREATE SEQUENCE invoice_no;\nSELECT setval('invoice_no', 1000);",
    ],
  },
});

/**
 * Every setval/nextval call in the statement works on a sequence this
 * migration created (by name, or through pg_get_serial_sequence of a new
 * table's or column's serial/identity column): setting it changes no
 * pre-existing state.
 */
function ownSequenceCalls(root: unknown, state: FileState): boolean {
  let all = true;
  walk(root, (type, fields) => {
    if (type !== 'FuncCall') return false;
    const name = names(fields.funcname).at(-1)?.toLowerCase();
    if (!name || !SEQUENCE_FUNCTIONS.has(name)) return false;
    if (!isOwnSequence(list(fields.args)[0], state)) all = false;
    return !all;
  });
  return all;
}

function isOwnSequence(arg: unknown, state: FileState): boolean {
  const literal = constString(arg);
  if (literal !== undefined) {
    const parts = literal.split('.');
    return state.isNew(`sequence:${parts.length > 1 ? parts.slice(-2).join('.') : `public.${literal}`}`);
  }
  const call = as(arg, 'FuncCall');
  if (call && names(call.funcname).at(-1)?.toLowerCase() === 'pg_get_serial_sequence') {
    const [table, column] = list(call.args).map(constString);
    if (!table || !column) return false;
    const key = table.includes('.') ? table : `public.${table}`;
    return state.isNew(`column:${key}.${column}`);
  }
  return false;
}

/** A string constant, also through a cast (`'s'::regclass`). */
function constString(node: unknown): string | undefined {
  const cast = as(node, 'TypeCast');
  const value = as((cast?.arg ?? node) as Fields, 'A_Const');
  return str(as(value?.sval, 'String')?.sval) ?? str((value?.sval as Fields | undefined)?.sval);
}
