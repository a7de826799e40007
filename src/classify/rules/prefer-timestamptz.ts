import { typeInfo } from '../../sql/ast.js';
import { newColumns } from '../column-defs.js';
import { defineRule } from '../rule.js';
import { colName } from '../rule-helpers.js';

export const preferTimestamptz = defineRule({
  id: 'prefer-timestamptz',
  summary: 'timestamp without time zone stores wall-clock values whose meaning depends on the writer\'s zone.',
  help: 'Use timestamptz (timestamp with time zone).',
  nodes: ['CreateStmt', 'AlterTableStmt:AT_AddColumn'],
  check(stmt) {
    return newColumns(stmt).flatMap(({ table, def }) => {
      if (typeInfo(def.typeName)?.name !== 'timestamp') return [];
      return [{ message: `${colName(table, def.colname)} is timestamp without time zone`, effect: {} }];
    });
  },
  examples: { flags: ['CREATE TABLE e (at timestamp);', 'ALTER TABLE e ADD COLUMN seen timestamp(3) without time zone;'], passes: ['CREATE TABLE e (at timestamptz);'] },
});
