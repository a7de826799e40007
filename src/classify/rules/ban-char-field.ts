import { typeInfo } from '../../sql/ast.js';
import { newColumns } from '../column-defs.js';
import { defineRule } from '../rule.js';
import { colName } from '../rule-helpers.js';

export const banCharField = defineRule({
  id: 'ban-char-field',
  summary: 'char(n) pads values with spaces and compares surprisingly; it has no advantage over text.',
  help: 'Use text (with a CHECK on the length if needed).',
  nodes: ['CreateStmt', 'AlterTableStmt:AT_AddColumn'],
  check(stmt) {
    return newColumns(stmt).flatMap(({ table, def }) => {
      const t = typeInfo(def.typeName);
      if (t?.name !== 'bpchar') return [];
      return [{ message: `${colName(table, def.colname)} is char(${t.mods?.[0] ?? 1})`, effect: {} }];
    });
  },
  examples: { flags: ['CREATE TABLE c (code char(3));', 'ALTER TABLE c ADD COLUMN flag character;'], passes: ['CREATE TABLE c (code text);'] },
});
