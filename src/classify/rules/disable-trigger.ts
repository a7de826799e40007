import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const disableTrigger = defineRule({
  id: 'disable-trigger',
  summary: 'DISABLE TRIGGER stops behaviour the app relies on; DISABLE TRIGGER ALL also stops foreign-key enforcement.',
  help: 'If a backfill needs it, disable and re-enable inside the same transaction, and never ALL (foreign keys).',
  nodes: ['AlterTableStmt:AT_DisableTrig', 'AlterTableStmt:AT_DisableTrigAll', 'AlterTableStmt:AT_DisableTrigUser'],
  check(stmt) {
    return tableCmds(stmt, 'AT_DisableTrig', 'AT_DisableTrigAll', 'AT_DisableTrigUser').map(({ table, cmd }) => ({
      message:
        cmd.subtype === 'AT_DisableTrigAll'
          ? `disables ALL triggers on ${display(table)}, including foreign-key checks: orphan rows can be written`
          : `disables trigger ${str(cmd.name) ?? '(user triggers)'} on ${display(table)}`,
      effect: {},
      object: tbl(table),
    }));
  },
  examples: { flags: ['ALTER TABLE orders DISABLE TRIGGER ALL;', 'ALTER TABLE orders DISABLE TRIGGER audit;'], passes: ['ALTER TABLE orders ENABLE TRIGGER audit;'] },
});
