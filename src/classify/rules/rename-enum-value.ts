import { nameKey, names, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const renameEnumValue = defineRule({
  id: 'rename-enum-value',
  summary: 'ALTER TYPE ... RENAME VALUE changes a label the previous app version writes and compares against.',
  help: 'Add the new value, migrate rows and code to it, and stop using the old one; PostgreSQL cannot drop enum values, so plan the label set up front.',
  nodes: ['AlterEnumStmt'],
  check(stmt) {
    if (!stmt.node.oldVal) return [];
    return [
      {
        message: `renames enum value '${str(stmt.node.oldVal)}' of ${names(stmt.node.typeName).join('.')} to '${str(stmt.node.newVal)}'; the previous app version still writes the old label`,
        effect: { compatibility: 'breaking' },
        object: `type:${nameKey(names(stmt.node.typeName))}`,
      },
    ];
  },
  examples: {
    flags: ["ALTER TYPE order_status RENAME VALUE 'shipped' TO 'sent';"],
    passes: ["ALTER TYPE order_status ADD VALUE 'sent';", "CREATE TYPE s AS ENUM ('a');\nALTER TYPE s RENAME VALUE 'a' TO 'b';"],
  },
});
