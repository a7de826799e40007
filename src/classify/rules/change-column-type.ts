import { as, typeInfo } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { col, colName, tableCmds } from '../rule-helpers.js';
import { compareTypes, isPlainUsing } from '../type-change.js';

export const changeColumnType = defineRule({
  id: 'change-column-type',
  summary: 'ALTER COLUMN ... TYPE rewrites the table and its indexes under ACCESS EXCLUSIVE unless the change is binary-coercible.',
  help: 'Add a column of the new type, backfill it in batches, switch the app over, then drop the old column (expand/contract).',
  nodes: ['AlterTableStmt:AT_AlterColumnType'],
  check(stmt, ctx) {
    return tableCmds(stmt, 'AT_AlterColumnType').flatMap(({ table, cmd }) => {
      const def = as(cmd.def, 'ColumnDef');
      const to = typeInfo(def?.typeName);
      if (!to) return [];
      const change = compareTypes(ctx.columnType(table, String(cmd.name)), to);
      if (change.coercible && isPlainUsing(def?.raw_default, String(cmd.name), to, typeInfo)) return [];
      return [
        {
          message: `changes the type of ${colName(table, cmd.name)} to ${to.text}: ${change.known ? 'not binary-coercible, so ' : ''}the table and its indexes are rewritten while every query waits (ACCESS EXCLUSIVE)`,
          effect: { rewritesTable: true, longValidation: true },
          object: col(table, cmd.name),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);', 'ALTER TABLE users ALTER COLUMN id TYPE bigint;'],
    passes: ['ALTER TABLE t ADD COLUMN c varchar(10);\nALTER TABLE t ALTER COLUMN c TYPE varchar(20);', 'ALTER TABLE users ALTER COLUMN name SET DEFAULT \'\';'],
  },
});
