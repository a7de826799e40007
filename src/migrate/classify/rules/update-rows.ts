import { relKey } from '../ast.js';
import { defineRule } from '../rule.js';
import { display, tbl } from '../rule-helpers.js';

export const updateRows = defineRule({
  id: 'update-rows',
  summary: 'UPDATE / MERGE in a migration changes existing values in place (a backfill).',
  help: 'Backfill in batches outside the migration\'s transaction, and keep the old values (a copy column or table) if a rollback must restore them.',
  nodes: ['UpdateStmt', 'MergeStmt'],
  check(stmt) {
    const key = relKey(stmt.kind === 'MergeStmt' ? stmt.node.relation : stmt.node.relation) ?? '?';
    const all = stmt.kind === 'UpdateStmt' && stmt.node.whereClause === undefined;
    return [
      {
        message: `${stmt.kind === 'MergeStmt' ? 'merges into' : 'updates'} ${all ? 'every row of ' : 'rows of '}${display(key)} in one statement: the old values are overwritten and every touched row stays locked until commit`,
        effect: { dataLoss: 'rewrite' },
        object: tbl(key),
      },
    ];
  },
  examples: {
    flags: ["UPDATE users SET email = lower(email);", "UPDATE orders SET status = 'done' WHERE status = 'closed';", 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;'],
    passes: ['ALTER TABLE users ADD COLUMN email_lower text;', 'CREATE TABLE t (id int, v int);\nUPDATE t SET v = 1;'],
  },
});
