import { optionNames, relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display } from '../rule-helpers.js';

export const sequenceRestart = defineRule({
  id: 'sequence-restart',
  summary: 'ALTER SEQUENCE ... RESTART (or a lower MAXVALUE) can hand out ids that already exist.',
  help: 'Never move a live sequence backwards; use setval(..., max(id)) if it must be realigned.',
  nodes: ['AlterSeqStmt'],
  check(stmt) {
    if (!optionNames(stmt.node.options).includes('restart')) return [];
    return [
      {
        message: `restarts sequence ${display(relKey(stmt.node.sequence))}: new rows may get ids that already exist (duplicate key errors)`,
        effect: { compatibility: 'breaking' },
        object: `sequence:${relKey(stmt.node.sequence)}`,
      },
    ];
  },
  examples: { flags: ['ALTER SEQUENCE orders_id_seq RESTART WITH 1;'], passes: ['ALTER SEQUENCE orders_id_seq CACHE 10;'] },
});
