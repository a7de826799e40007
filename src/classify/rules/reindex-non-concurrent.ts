import { optionNames, relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const reindexNonConcurrent = defineRule({
  id: 'reindex-non-concurrent',
  summary: 'REINDEX without CONCURRENTLY blocks writes to the table and reads that use the index for the whole rebuild.',
  help: 'REINDEX ... CONCURRENTLY (PostgreSQL 12+); before 12, CREATE INDEX CONCURRENTLY a copy and swap it in.',
  nodes: ['ReindexStmt'],
  check(stmt, ctx) {
    if (optionNames(stmt.node.params).includes('concurrently')) return [];
    const target = relKey(stmt.node.relation) ?? String(stmt.node.name ?? 'database');
    return [
      {
        message: `reindexes ${target} without CONCURRENTLY: writes (and reads using the index) wait for the rebuild`,
        help: ctx.serverVersion >= 12 ? this.help : 'Before PostgreSQL 12 there is no REINDEX CONCURRENTLY: build a new index CONCURRENTLY, drop the old one CONCURRENTLY, rename.',
        effect: {},
      },
    ];
  },
  examples: { flags: ['REINDEX INDEX orders_pkey;', 'REINDEX TABLE orders;'], passes: ['REINDEX INDEX CONCURRENTLY orders_pkey;'] },
});
