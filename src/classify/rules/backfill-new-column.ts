import { defineRule } from '../rule.js';
import { colName, display } from '../rule-helpers.js';
import { rowWrites } from '../writes.js';

export const backfillNewColumn = defineRule({
  id: 'backfill-new-column',
  summary: 'An UPDATE that fills a column the same migration added: no existing value changes (the down drops derived data), but every row is rewritten and locked until commit.',
  help: 'On a large table, backfill in batches (UPDATE ... WHERE id BETWEEN ...) in later migrations or a job, so rows are not locked for the whole migration; row triggers on the table still fire.',
  nodes: ['UpdateStmt', 'MergeStmt'],
  check(stmt, ctx) {
    const writes = rowWrites(stmt);
    if (!writes || writes.updates.length === 0 || !ctx.state.writesOnlyNew(stmt)) return [];
    // Filling a table created in the same migration is just creating it.
    if (ctx.state.isNew(`table:${writes.table}`)) return [];
    const all = stmt.kind === 'UpdateStmt' && stmt.node.whereClause === undefined ? 'every row of ' : 'rows of ';
    return [
      {
        message: `fills ${writes.updates.map((c) => colName(writes.table, c)).join(', ')}, added by this migration, in ${all}${display(writes.table)}: no existing value changes, but each touched row gets a new version and stays locked until commit`,
        effect: {},
      },
    ];
  },
  examples: {
    flags: [
      'ALTER TABLE orders ADD COLUMN customer_email text;\nUPDATE orders o SET customer_email = (SELECT c.email FROM customers c WHERE c.id = o.customer_id);',
      'ALTER TABLE orders ADD COLUMN total_cents bigint;\nUPDATE orders SET total_cents = s.total FROM order_totals s WHERE s.order_id = orders.id;',
    ],
    passes: ['UPDATE users SET email = lower(email);', 'CREATE TABLE t (id int, v int);\nUPDATE t SET v = 1;', 'ALTER TABLE users ADD COLUMN nick text;'],
  },
});
