import { defineRule } from '../rule.js';
import { colName, tableCmds, tbl } from '../rule-helpers.js';

export const validateInSameTransaction = defineRule({
  id: 'validate-in-same-transaction',
  summary: 'VALIDATE CONSTRAINT in the same transaction as its ADD ... NOT VALID keeps the ADD\'s strong lock for the whole scan, defeating NOT VALID.',
  help: 'Commit the ADD ... NOT VALID first; VALIDATE in a separate migration (or after COMMIT).',
  nodes: ['AlterTableStmt:AT_ValidateConstraint'],
  check(stmt, ctx) {
    if (!ctx.inTransaction) return [];
    return tableCmds(stmt, 'AT_ValidateConstraint')
      .filter(({ table, cmd }) => ctx.state.addedNotValid(table, String(cmd.name)))
      .map(({ table, cmd }) => ({
        message: `validates ${colName(table, cmd.name)} in the transaction that added it NOT VALID: the scan runs while the ADD's lock is still held`,
        effect: { longValidation: true },
        object: tbl(table),
      }));
  },
  examples: {
    flags: [
      { sql: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;', inTransaction: true },
      'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nCOMMIT;',
    ],
    passes: [
      'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
      { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT c;', inTransaction: true },
    ],
  },
});
