import { as, columnConstraints, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { colName, tableCmds, tbl } from '../rule-helpers.js';

export const addStoredGeneratedColumn = defineRule({
  id: 'add-stored-generated-column',
  summary: 'ADD COLUMN ... GENERATED ALWAYS AS (...) STORED computes and writes the value for every row: a table rewrite under ACCESS EXCLUSIVE.',
  help: 'Add a plain nullable column, fill it with a trigger plus a batched backfill, or accept the rewrite in a maintenance window.',
  nodes: ['AlterTableStmt:AT_AddColumn'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddColumn').flatMap(({ table, cmd }) => {
      const def = as(cmd.def, 'ColumnDef');
      if (!columnConstraints(def).some((c) => str(c.contype) === 'CONSTR_GENERATED')) return [];
      return [
        {
          message: `adds stored generated column ${colName(table, def?.colname)}: the table is rewritten while queries wait`,
          effect: { rewritesTable: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;'],
    passes: ['ALTER TABLE orders ADD COLUMN total_cents bigint;', 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2) STORED;'],
  },
});
