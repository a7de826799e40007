import { defineRule } from '../rule.js';
import { colName, tableCmds } from '../rule-helpers.js';

export const dropConstraint = defineRule({
  id: 'drop-constraint',
  summary: 'Dropping a constraint relaxes the schema (additive), but re-adding it on rollback fails once violating rows exist.',
  help: 'Keep the down migration ready to clean or reject violating rows, or re-add the constraint NOT VALID on rollback.',
  nodes: ['AlterTableStmt:AT_DropConstraint'],
  check(stmt) {
    return tableCmds(stmt, 'AT_DropConstraint').map(({ table, cmd }) => ({
      message: `drops constraint ${colName(table, cmd.name)}; rows written afterwards may violate it, and the down migration's re-add would then fail`,
      effect: {},
      object: `constraint:${table}.${String(cmd.name)}`,
    }));
  },
  examples: {
    flags: ['ALTER TABLE orders DROP CONSTRAINT orders_total_check;'],
    passes: ['ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders DROP CONSTRAINT c;'],
  },
});
