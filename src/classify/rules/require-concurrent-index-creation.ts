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
    passes: ['CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);', 'CREATE TABLE t (a int);\nCREATE INDEX ON t (a);'],
  },
});
