import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const setTablespace = defineRule({
  id: 'set-tablespace',
  summary: 'ALTER TABLE ... SET TABLESPACE copies the whole table under ACCESS EXCLUSIVE.',
  help: 'Move tables with pg_repack --tablespace, or in a maintenance window.',
  nodes: ['AlterTableStmt:AT_SetTableSpace'],
  check(stmt) {
    return tableCmds(stmt, 'AT_SetTableSpace').map(({ table, cmd }) => ({
      message: `moves ${display(table)} to tablespace ${str(cmd.name)}: every block is copied while queries wait`,
      effect: { rewritesTable: true },
      object: tbl(table),
    }));
  },
  examples: { flags: ['ALTER TABLE orders SET TABLESPACE fast_ssd;'], passes: ['CREATE TABLE t (a int);\nALTER TABLE t SET TABLESPACE fast_ssd;'] },
});
