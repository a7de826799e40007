import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const transactionNesting = defineRule({
  id: 'transaction-nesting',
  summary: 'BEGIN/COMMIT inside a migration the tool already wraps in a transaction: COMMIT ends the tool\'s transaction early and the rest runs outside it.',
  help: 'Remove BEGIN/COMMIT from the file (the tool provides the transaction), or turn the tool\'s transaction off for this migration.',
  nodes: ['TransactionStmt'],
  check(stmt, ctx) {
    if (!ctx.toolTransaction) return [];
    const kind = str(stmt.node.kind);
    if (!['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(kind ?? '')) return [];
    return [{ message: `${kind!.replace('TRANS_STMT_', '')} inside a migration the tool already runs in a transaction`, effect: {} }];
  },
  examples: {
    flags: [{ sql: 'BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;', inTransaction: true }],
    passes: [
      'BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;',
      // Sent as one query (golang-migrate): the BEGIN makes the implicit block explicit, nothing ends early.
      { sql: 'BEGIN;\nALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0;\nCOMMIT;', inTransaction: 'several-statements' },
    ],
  },
});
