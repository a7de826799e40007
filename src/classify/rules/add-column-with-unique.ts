import { as, columnConstraints, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { colName, tableCmds, tbl } from '../rule-helpers.js';

export const addColumnWithUnique = defineRule({
  id: 'add-column-with-unique',
  summary: 'ADD COLUMN ... UNIQUE / PRIMARY KEY builds an index over the whole table under ACCESS EXCLUSIVE.',
  help: 'Add the column plain, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX.',
  nodes: ['AlterTableStmt:AT_AddColumn'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddColumn').flatMap(({ table, cmd }) => {
      const def = as(cmd.def, 'ColumnDef');
      const indexed = columnConstraints(def).some((c) => ['CONSTR_UNIQUE', 'CONSTR_PRIMARY'].includes(str(c.contype) ?? ''));
      if (!indexed) return [];
      return [
        {
          message: `adds ${colName(table, def?.colname)} with an inline UNIQUE/PRIMARY KEY: the index is built while every query waits`,
          effect: { longValidation: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE users ADD COLUMN handle text UNIQUE;'],
    passes: ['ALTER TABLE users ADD COLUMN handle text;'],
  },
});
