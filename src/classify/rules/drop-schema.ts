import { list, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const dropSchema = defineRule({
  id: 'drop-schema',
  summary: 'DROP SCHEMA removes a namespace; with CASCADE, every table and row in it.',
  help: 'Drop the schema\'s objects in their own reviewed migrations first; never DROP SCHEMA ... CASCADE in a deploy.',
  nodes: ['DropStmt'],
  check(stmt) {
    if (str(stmt.node.removeType) !== 'OBJECT_SCHEMA') return [];
    const cascade = str(stmt.node.behavior) === 'DROP_CASCADE';
    return list(stmt.node.objects).map((o) => {
      const name = str((o as { String?: { sval?: string } }).String?.sval) ?? '?';
      return {
        message: cascade
          ? `drops schema ${name} with CASCADE: every table, view and function in it, and all their rows`
          : `drops schema ${name}; code that references it breaks`,
        effect: { compatibility: 'breaking', dataLoss: cascade ? 'destructive' : undefined },
        object: `schema:${name}`,
      };
    });
  },
  examples: {
    flags: ['DROP SCHEMA reporting CASCADE;', 'DROP SCHEMA IF EXISTS legacy;'],
    passes: ['CREATE SCHEMA tmp;\nDROP SCHEMA tmp CASCADE;', 'CREATE SCHEMA reporting;'],
  },
});
