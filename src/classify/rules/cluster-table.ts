import { relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display } from '../rule-helpers.js';

export const clusterTable = defineRule({
  id: 'cluster-table',
  summary: 'CLUSTER rewrites the table in index order under ACCESS EXCLUSIVE.',
  help: 'Use pg_repack (online) or run CLUSTER in a maintenance window, not in a migration.',
  nodes: ['ClusterStmt'],
  check(stmt) {
    return [
      {
        message: `CLUSTER ${display(relKey(stmt.node.relation)) === '?' ? '(every clustered table)' : display(relKey(stmt.node.relation))}: a full rewrite while every query waits`,
        effect: { rewritesTable: true },
      },
    ];
  },
  examples: { flags: ['CLUSTER orders USING orders_created_idx;', 'CLUSTER;'], passes: ['ALTER TABLE orders CLUSTER ON orders_created_idx;'] },
});
