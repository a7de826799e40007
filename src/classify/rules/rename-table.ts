import { relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tbl } from '../rule-helpers.js';

export const renameTable = defineRule({
  id: 'rename-table',
  summary: 'Renaming a table breaks every query of the previous app version that names it.',
  help: 'Expand/contract: create the new table (or a view with the new name), write to both, move readers, then drop the old name in a later migration.',
  nodes: ['RenameStmt'],
  check(stmt) {
    if (str(stmt.node.renameType) !== 'OBJECT_TABLE') return [];
    const key = relKey(stmt.node.relation) ?? '?';
    return [
      {
        message: `renames table ${display(key)} to ${str(stmt.node.newname)}; the previous app version still uses the old name`,
        effect: { compatibility: 'breaking' },
        object: tbl(key),
      },
    ];
  },
  examples: {
    flags: ['ALTER TABLE customers RENAME TO clients;'],
    passes: ['CREATE TABLE c (id int);\nALTER TABLE c RENAME TO clients;', 'ALTER INDEX customers_pkey RENAME TO clients_pkey;'],
  },
});
