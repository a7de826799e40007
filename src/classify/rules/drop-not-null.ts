import { defineRule } from '../rule.js';
import { col, colName, tableCmds } from '../rule-helpers.js';

export const dropNotNull = defineRule({
  id: 'drop-not-null',
  summary: 'DROP NOT NULL is additive, but the down migration\'s SET NOT NULL fails once NULLs are written.',
  help: 'Plan the rollback: backfill NULLs (or keep the constraint) before re-adding NOT NULL.',
  nodes: ['AlterTableStmt:AT_DropNotNull'],
  check(stmt) {
    return tableCmds(stmt, 'AT_DropNotNull').map(({ table, cmd }) => ({
      message: `makes ${colName(table, cmd.name)} nullable; once NULLs are written a down migration cannot set NOT NULL again without changing data`,
      effect: {},
      object: col(table, cmd.name),
    }));
  },
  examples: {
    flags: ['ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;'],
    passes: ['ALTER TABLE users ALTER COLUMN phone SET DEFAULT \'\';'],
  },
});
