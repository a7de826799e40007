import { defineRule } from '../rule.js';
import { col, colName, tableCmds } from '../rule-helpers.js';

export const dropColumn = defineRule({
  id: 'drop-column',
  summary: 'ALTER TABLE ... DROP COLUMN removes the column and its values.',
  help: 'Expand/contract: deploy code that no longer reads or writes the column, then drop it in a later migration (keep a copy of the values if a rollback may need them).',
  nodes: ['AlterTableStmt:AT_DropColumn'],
  check(stmt) {
    return tableCmds(stmt, 'AT_DropColumn').map(({ table, cmd }) => ({
      message: `drops column ${colName(table, cmd.name)} and its values; the previous app version still selects or writes it`,
      effect: { compatibility: 'breaking', dataLoss: 'destructive' },
      object: col(table, cmd.name),
    }));
  },
  examples: {
    flags: ['ALTER TABLE users DROP COLUMN email;', 'ALTER TABLE users DROP COLUMN IF EXISTS email CASCADE;'],
    passes: ['ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users DROP COLUMN nick;', 'CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;'],
  },
});
