import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const dropCascade = defineRule({
  id: 'drop-cascade',
  summary: 'DROP ... CASCADE also drops every dependent object (views, foreign keys, columns of a type) without naming them.',
  help: 'Drop the dependents explicitly, each in a reviewed statement, and drop the object without CASCADE.',
  nodes: ['DropStmt'],
  check(stmt) {
    if (str(stmt.node.behavior) !== 'DROP_CASCADE') return [];
    return [
      {
        message: 'CASCADE drops objects this migration does not name (views, foreign keys, dependent columns); what goes is decided by the database, not by review',
        effect: { compatibility: 'breaking' },
      },
    ];
  },
  examples: { flags: ['DROP TABLE customers CASCADE;', 'DROP FUNCTION f() CASCADE;'], passes: ['DROP TABLE customers;'] },
});
