import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, dropKeys } from '../rule-helpers.js';

export const requireConcurrentIndexDeletion = defineRule({
  id: 'require-concurrent-index-deletion',
  summary: 'DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table: every read and write waits.',
  help: 'DROP INDEX CONCURRENTLY (outside a transaction block).',
  nodes: ['DropStmt'],
  check(stmt) {
    if (str(stmt.node.removeType) !== 'OBJECT_INDEX' || stmt.node.concurrent) return [];
    return dropKeys(stmt.node).map((key) => ({
      message: `drops index ${display(key)} under ACCESS EXCLUSIVE: all queries on its table wait until the drop commits`,
      effect: {},
      object: `index:${key}`,
    }));
  },
  examples: {
    flags: ['DROP INDEX orders_created_idx;'],
    passes: ['DROP INDEX CONCURRENTLY orders_created_idx;', 'CREATE INDEX i ON t (a);\nDROP INDEX i;'],
  },
});
