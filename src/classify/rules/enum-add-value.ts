import { nameKey, names, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const enumAddValue = defineRule({
  id: 'enum-add-value',
  summary: 'ALTER TYPE ... ADD VALUE is additive but one-way: PostgreSQL cannot drop an enum value, so a down must recreate the type.',
  help: 'Accept it as permanent (rollback = schema stays), or use a lookup table / CHECK constraint when values must come and go.',
  nodes: ['AlterEnumStmt'],
  check(stmt) {
    if (stmt.node.oldVal) return [];
    const type = names(stmt.node.typeName);
    return [
      {
        message: `adds value '${str(stmt.node.newVal)}' to enum ${type.join('.')}; it cannot be removed again without recreating the type (and rows may already use it)`,
        effect: { reversible: false },
        object: `type:${nameKey(type)}`,
      },
    ];
  },
  examples: {
    flags: ["ALTER TYPE order_status ADD VALUE 'refunded';", "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';"],
    passes: ["CREATE TYPE s AS ENUM ('a');\nALTER TYPE s ADD VALUE 'b';", "ALTER TYPE order_status RENAME VALUE 'a' TO 'b';"],
  },
});
