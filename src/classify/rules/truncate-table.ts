import { list } from '../../sql/ast.js';
import { relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tbl } from '../rule-helpers.js';

export const truncateTable = defineRule({
  id: 'truncate-table',
  summary: 'TRUNCATE deletes every row of the table (under ACCESS EXCLUSIVE).',
  help: 'Data removal does not belong in a schema migration; if it must, archive the rows first and make the down restore them.',
  nodes: ['TruncateStmt'],
  check(stmt) {
    return list(stmt.node.relations).map((r) => {
      const key = relKey(r) ?? '?';
      return {
        message: `truncates ${display(key)}: every row is deleted and no down migration can bring them back`,
        effect: { dataLoss: 'destructive' },
        object: tbl(key),
      };
    });
  },
  examples: {
    flags: ['TRUNCATE sessions;', 'TRUNCATE TABLE a, b RESTART IDENTITY CASCADE;'],
    passes: ['CREATE TABLE staging (id int);\nTRUNCATE staging;'],
  },
});
