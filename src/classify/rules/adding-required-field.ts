import { as, columnConstraints, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { colName, tableCmds, tbl } from '../rule-helpers.js';

export const addingRequiredField = defineRule({
  id: 'adding-required-field',
  summary: 'ADD COLUMN ... NOT NULL without a DEFAULT fails on a non-empty table, and breaks inserts of the previous app version.',
  help: 'Add the column nullable (or NOT NULL with a DEFAULT), backfill, then tighten it in a later migration.',
  nodes: ['AlterTableStmt:AT_AddColumn'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddColumn').flatMap(({ table, cmd }) => {
      const def = as(cmd.def, 'ColumnDef');
      const types = columnConstraints(def).map((c) => str(c.contype));
      const required = types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY');
      const filled = types.includes('CONSTR_DEFAULT') || types.includes('CONSTR_IDENTITY') || types.includes('CONSTR_GENERATED');
      if (!required || filled) return [];
      return [
        {
          message: `adds ${colName(table, def?.colname)} as NOT NULL without a default: fails if the table has rows, and inserts from the previous app version (which omit it) fail`,
          effect: { compatibility: 'breaking' },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;'],
    passes: ["ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 0;", 'ALTER TABLE users ADD COLUMN tenant_id bigint;', 'CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN c int NOT NULL;'],
  },
});
