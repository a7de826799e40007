import { objectNameParts, relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display } from '../rule-helpers.js';

export const setSchema = defineRule({
  id: 'set-schema',
  summary: 'ALTER ... SET SCHEMA moves an object; qualified references and search_path lookups from the previous app version break.',
  help: 'Create the object in the new schema (or a view/synonym there), move callers, then drop the old one.',
  nodes: ['AlterObjectSchemaStmt'],
  check(stmt) {
    const n = stmt.node;
    const key = relKey(n.relation);
    const name = key ? display(key) : objectNameParts(n).join('.') || '?';
    const kind = (str(n.objectType) ?? 'OBJECT').replace('OBJECT_', '').toLowerCase().replace('_', ' ');
    return [
      {
        message: `moves ${kind} ${name} to schema ${str(n.newschema)}; code using the old qualified name breaks`,
        effect: { compatibility: 'breaking' },
        object: key ? `table:${key}` : undefined,
      },
    ];
  },
  examples: {
    flags: ['ALTER TABLE orders SET SCHEMA archive;', 'ALTER FUNCTION f(int) SET SCHEMA util;'],
    passes: ['CREATE TABLE t (id int);\nALTER TABLE t SET SCHEMA archive;'],
  },
});
