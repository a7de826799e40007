import { relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display } from '../rule-helpers.js';

export const refreshMaterializedView = defineRule({
  id: 'refresh-materialized-view',
  summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view until the refresh completes.',
  help: 'REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view).',
  nodes: ['RefreshMatViewStmt'],
  check(stmt) {
    if (stmt.node.concurrent) return [];
    return [{ message: `refreshes ${display(relKey(stmt.node.relation))} under ACCESS EXCLUSIVE: reads of the view wait`, effect: {}, object: `view:${relKey(stmt.node.relation)}` }];
  },
  examples: { flags: ['REFRESH MATERIALIZED VIEW sales_daily;'], passes: ['REFRESH MATERIALIZED VIEW CONCURRENTLY sales_daily;'] },
});
