import { as, typeInfo } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { col, colName, tableCmds } from '../rule-helpers.js';
import { compareTypes } from '../type-change.js';

export const narrowingColumnType = defineRule({
  id: 'narrowing-column-type',
  summary: 'Changing a column to a narrower or different type breaks writes (and reads) of the previous app version.',
  help: 'Expand/contract: add a column of the new type, dual-write, move readers, then drop the old column.',
  nodes: ['AlterTableStmt:AT_AlterColumnType'],
  check(stmt, ctx) {
    return tableCmds(stmt, 'AT_AlterColumnType').flatMap(({ table, cmd }) => {
      const to = typeInfo(as(cmd.def, 'ColumnDef')?.typeName);
      if (!to) return [];
      const from = ctx.columnType(table, String(cmd.name));
      const change = compareTypes(from, to);
      if (change.widening) return [];
      return [
        {
          message: change.known
            ? `changes ${colName(table, cmd.name)} from ${from!.text} to ${to.text}, which does not hold every old value; the previous app version's writes can fail`
            : `changes ${colName(table, cmd.name)} to ${to.text}; unless that is a pure widening of the current type, the previous app version's writes or reads break (the current type is not known statically)`,
          effect: { compatibility: 'breaking' },
          object: col(table, cmd.name),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE users ALTER COLUMN name TYPE varchar(20);', 'ALTER TABLE orders ALTER COLUMN status TYPE int USING status::int;'],
    passes: ['ALTER TABLE users ALTER COLUMN name TYPE text;', 'ALTER TABLE users ALTER COLUMN id TYPE bigint;'],
  },
});
