import { relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tbl } from '../rule-helpers.js';

export const deleteRows = defineRule({
  id: 'delete-rows',
  summary: 'DELETE in a migration removes data a down migration cannot restore.',
  help: 'Copy the rows to an archive table first (and restore them in the down), or delete them outside the migration after a backup.',
  nodes: ['DeleteStmt'],
  check(stmt) {
    const key = relKey(stmt.node.relation) ?? '?';
    const all = stmt.node.whereClause === undefined;
    return [
      {
        message: all
          ? `deletes every row of ${display(key)} (no WHERE clause)`
          : `deletes rows of ${display(key)}; the down migration cannot bring them back`,
        effect: { dataLoss: 'destructive' },
        object: tbl(key),
      },
    ];
  },
  examples: {
    flags: ["DELETE FROM orders WHERE status = 'test';", 'DELETE FROM audit_log;'],
    passes: ['CREATE TABLE t (id int);\nDELETE FROM t;', "INSERT INTO settings (key) VALUES ('x');"],
  },
});
