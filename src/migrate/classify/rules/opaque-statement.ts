import { as, calledFunctions, names } from '../ast.js';
import { defineRule } from '../rule.js';

/** Functions a SELECT may call without changing anything (so the SELECT is just a read). */
const READ_ONLY = new Set(['count', 'max', 'min', 'sum', 'avg', 'now', 'coalesce', 'lower', 'upper', 'length', 'version', 'current_setting', 'to_regclass', 'pg_sleep', 'exists']);

export const opaqueStatement = defineRule({
  id: 'opaque-statement',
  summary: 'DO blocks, CALL and SELECTs of functions run code the static analysis cannot see into.',
  help: 'Write the change as plain DDL/DML where possible; otherwise rely on the catalog diff (dbrollback classify runs it in a scratch database for code migrations) and review by hand.',
  nodes: ['DoStmt', 'CallStmt', 'SelectStmt', 'ExecuteStmt'],
  check(stmt) {
    let what: string | undefined;
    if (stmt.kind === 'DoStmt') what = 'a DO block';
    else if (stmt.kind === 'CallStmt') what = `CALL ${names(as(stmt.node.funccall, 'FuncCall')?.funcname).join('.')}`;
    else if (stmt.kind === 'ExecuteStmt') what = 'EXECUTE of a prepared statement';
    else {
      const unknown = calledFunctions(stmt.node).filter((f) => !READ_ONLY.has(f) && !f.startsWith('svfop_'));
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
    passes: ['SELECT count(*) FROM orders;', 'SELECT 1;'],
  },
});
