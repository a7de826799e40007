import { typeInfo } from '../../sql/ast.js';
import { newColumns } from '../column-defs.js';
import { defineRule } from '../rule.js';
import { colName } from '../rule-helpers.js';

export const preferTextField = defineRule({
  id: 'prefer-text-field',
  summary: 'varchar(n) limits are business rules in the wrong place: shrinking them later rewrites and can fail.',
  help: 'Use text with a CHECK (length(col) <= n) constraint (added NOT VALID, changeable without a rewrite).',
  nodes: ['CreateStmt', 'AlterTableStmt:AT_AddColumn'],
  check(stmt) {
    return newColumns(stmt).flatMap(({ table, def }) => {
      const t = typeInfo(def.typeName);
      if (t?.name !== 'varchar' || !t.mods || t.mods.length === 0) return [];
      return [{ message: `${colName(table, def.colname)} is ${t.text}`, effect: {} }];
    });
  },
  examples: { flags: ['CREATE TABLE users (name varchar(100));', 'ALTER TABLE users ADD COLUMN nick varchar(20);'], passes: ['CREATE TABLE users (name text CHECK (length(name) <= 100));'] },
});
