import { relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tbl } from '../rule-helpers.js';

export const requireConcurrentIndexCreation = defineRule({
  id: 'require-concurrent-index-creation',
  summary: 'CREATE INDEX without CONCURRENTLY holds SHARE on the table for the whole build: every write waits.',
  help: 'CREATE INDEX CONCURRENTLY (outside a transaction block; check for an INVALID index if it fails).',
  nodes: ['IndexStmt'],
  check(stmt) {
    if (stmt.node.concurrent) return [];
    const table = relKey(stmt.node.relation) ?? '?';
    // A temporary table is this session's alone: nobody else's writes can wait on it.
    if (table.startsWith('pg_temp.') || /^pg_temp_\d+\./.test(table)) return [];
    return [
      {
        message: `builds index ${str(stmt.node.idxname) ?? '(unnamed)'} on ${display(table)} without CONCURRENTLY: inserts, updates and deletes wait for the whole build`,
        effect: { longValidation: true },
        object: tbl(table),
      },
    ];
  },
  examples: {
    flags: ['CREATE INDEX orders_created_idx ON orders (created_at);', 'CREATE UNIQUE INDEX IF NOT EXISTS u ON users (email);'],
    passes: [
      'CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);',
      'CREATE TABLE t (a int);\nCREATE INDEX ON t (a);',
      'CREATE TEMP TABLE t (a int);\nCREATE INDEX ON t (a);',
      'CREATE TEMPORARY TABLE t AS SELECT 1 AS a;\nCREATE INDEX t_a ON t (a);',
      'SELECT 1 AS a INTO TEMP t;\nCREATE INDEX t_a ON t (a);',
      'CREATE INDEX t_a ON pg_temp.t (a);',
    ],
  },
});
