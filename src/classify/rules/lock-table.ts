import { list, relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display } from '../rule-helpers.js';

export const lockTable = defineRule({
  id: 'lock-table',
  summary: 'An explicit LOCK TABLE in a migration blocks the app for as long as the migration\'s transaction lasts.',
  help: 'Drop the explicit lock; set lock_timeout and let each statement take the lock it needs, briefly.',
  nodes: ['LockStmt'],
  check(stmt) {
    const mode = Number(stmt.node.mode ?? 8);
    if (mode < 4) return [];
    return [
      {
        message: `locks ${list(stmt.node.relations).map((r) => display(relKey(r))).join(', ')} explicitly until the transaction ends`,
        effect: {},
      },
    ];
  },
  examples: { flags: ['LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;', 'LOCK orders;'], passes: ['LOCK TABLE orders IN ROW SHARE MODE;'] },
});
