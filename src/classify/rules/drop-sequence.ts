import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, dropKeys } from '../rule-helpers.js';

export const dropSequence = defineRule({
  id: 'drop-sequence',
  summary: 'DROP SEQUENCE removes a sequence and its current position.',
  help: 'Keep the sequence until no code or default uses it; a recreated sequence restarts and produces duplicate keys.',
  nodes: ['DropStmt'],
  check(stmt) {
    if (str(stmt.node.removeType) !== 'OBJECT_SEQUENCE') return [];
    return dropKeys(stmt.node).map((key) => ({
      message: `drops sequence ${display(key)}; its position is lost (a down migration would restart it and reuse ids)`,
      effect: { compatibility: 'breaking', dataLoss: 'destructive' },
      object: `sequence:${key}`,
    }));
  },
  examples: {
    flags: ['DROP SEQUENCE order_numbers;'],
    passes: ['CREATE SEQUENCE s;\nDROP SEQUENCE s;'],
  },
});
