import { relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tbl } from '../rule-helpers.js';

export const createUniqueIndex = defineRule({
  id: 'create-unique-index',
  summary: 'A unique index on an existing table rejects duplicates the previous app version may still write (and fails to build if any exist).',
  help: 'Deduplicate and make the app enforce uniqueness first; then CREATE UNIQUE INDEX CONCURRENTLY.',
  nodes: ['IndexStmt'],
  check(stmt) {
    if (!stmt.node.unique) return [];
    const table = relKey(stmt.node.relation) ?? '?';
    return [
      {
        message: `adds unique index ${str(stmt.node.idxname) ?? '(unnamed)'} on ${display(table)}: duplicate writes from the previous app version will fail`,
        effect: { compatibility: 'breaking' },
        object: tbl(table),
      },
    ];
  },
  examples: {
    flags: ['CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (lower(email));'],
    passes: ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email);', 'CREATE TABLE t (a int);\nCREATE UNIQUE INDEX ON t (a);'],
  },
});
