import { defineRule } from '../rule.js';
import { colName, display, tbl } from '../rule-helpers.js';
import { rowWrites } from '../writes.js';

export const updateRows = defineRule({
  id: 'update-rows',
  summary: 'UPDATE / MERGE / INSERT ... ON CONFLICT DO UPDATE in a migration changes existing values in place.',
  help: 'Write the new values into a new column (expand/contract) and switch the app over, or keep the old values (a copy column or table) if a rollback must restore them.',
  nodes: ['UpdateStmt', 'MergeStmt', 'InsertStmt'],
  check(stmt, ctx) {
    const writes = rowWrites(stmt);
    if (!writes || (writes.updates.length === 0 && !writes.deletes)) return [];
    // Filling a column this migration added changes no value that existed before it (backfill-new-column).
    if (ctx.state.writesOnlyNew(stmt)) return [];
    const old = writes.updates.filter((c) => !ctx.state.isNew(`column:${writes.table}.${c}`));
    const which = old.length > 0 ? old.map((c) => colName(writes.table, c)).join(', ') : `rows of ${display(writes.table)}`;
    const verb = stmt.kind === 'MergeStmt' ? 'merges into' : stmt.kind === 'InsertStmt' ? 'upserts (ON CONFLICT DO UPDATE) into' : 'updates';
    const all = stmt.kind === 'UpdateStmt' && stmt.node.whereClause === undefined ? 'every row: ' : '';
    return [
      {
        message: `${verb} ${display(writes.table)}, ${all}overwriting existing values of ${which}; a down cannot know the old values`,
        effect: { dataLoss: 'rewrite' },
        object: tbl(writes.table),
      },
    ];
  },
  examples: {
    flags: [
      'UPDATE users SET email = lower(email);',
      "UPDATE orders SET status = 'done' WHERE status = 'closed';",
      'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;',
      "INSERT INTO settings (key, value) VALUES ('theme', 'dark') ON CONFLICT (key) DO UPDATE SET value = excluded.value;",
      'ALTER TABLE users ADD COLUMN email_lower text;\nUPDATE users SET email_lower = lower(email), email = lower(email);',
    ],
    passes: [
      'ALTER TABLE users ADD COLUMN email_lower text;',
      'CREATE TABLE t (id int, v int);\nUPDATE t SET v = 1;',
      'ALTER TABLE users ADD COLUMN email_lower text;\nUPDATE users SET email_lower = lower(email);',
      "INSERT INTO settings (key, value) VALUES ('theme', 'dark') ON CONFLICT DO NOTHING;",
    ],
  },
});
