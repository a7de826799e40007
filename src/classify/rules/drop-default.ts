import { defineRule } from '../rule.js';
import { col, colName, tableCmds } from '../rule-helpers.js';

export const dropDefault = defineRule({
  id: 'drop-default',
  summary: 'DROP DEFAULT breaks inserts that omit the column and relied on the default.',
  help: 'Make every writer set the column explicitly (one release), then drop the default.',
  nodes: ['AlterTableStmt:AT_ColumnDefault'],
  check(stmt, ctx) {
    return tableCmds(stmt, 'AT_ColumnDefault')
      .filter(({ cmd }) => cmd.def === undefined)
      // Set again before the transaction commits (Prisma's enum rebuild): no insert ever sees the column without one.
      .filter(({ table, cmd }) => !(ctx.inTransaction && ctx.state.defaultSetAgainInBlock(`${table}.${String(cmd.name)}`)))
      .map(({ table, cmd }) => ({
        message: `drops the default of ${colName(table, cmd.name)}; inserts from the previous app version that omit it get NULL (or fail on NOT NULL)`,
        effect: { compatibility: 'breaking' },
        object: col(table, cmd.name),
      }));
  },
  examples: {
    flags: [
      'ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;',
      // Committed in between: inserts in between get no default.
      "BEGIN;\nALTER TABLE orders ALTER COLUMN status DROP DEFAULT;\nCOMMIT;\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';",
    ],
    passes: [
      "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';",
      "BEGIN;\nALTER TABLE orders ALTER COLUMN status DROP DEFAULT;\nALTER TABLE orders ALTER COLUMN status TYPE order_status_new USING (status::text::order_status_new);\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';\nCOMMIT;",
    ],
  },
});
