import { relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { col, colName } from '../rule-helpers.js';

export const renameColumn = defineRule({
  id: 'rename-column',
  summary: 'Renaming a column breaks every query of the previous app version that names it.',
  help: 'Expand/contract: add the new column, write both and backfill, move readers, then drop the old column in a later migration.',
  nodes: ['RenameStmt'],
  check(stmt) {
    if (str(stmt.node.renameType) !== 'OBJECT_COLUMN') return [];
    const table = relKey(stmt.node.relation) ?? '?';
    return [
      {
        message: `renames column ${colName(table, stmt.node.subname)} to ${str(stmt.node.newname)}; the previous app version still uses the old name`,
        effect: { compatibility: 'breaking' },
        object: col(table, stmt.node.subname),
      },
    ];
  },
  examples: {
    flags: ['ALTER TABLE users RENAME COLUMN name TO full_name;'],
    passes: ['ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users RENAME COLUMN nick TO handle;'],
  },
});
