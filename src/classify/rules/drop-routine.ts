import { as, list, names, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

const TYPES = ['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE'];

export const dropRoutine = defineRule({
  id: 'drop-routine',
  summary: 'DROP FUNCTION / PROCEDURE / AGGREGATE removes code the app or triggers may call.',
  help: 'Stop calling the routine in a release first; drop it in a later migration.',
  nodes: ['DropStmt'],
  check(stmt) {
    if (!TYPES.includes(str(stmt.node.removeType) ?? '')) return [];
    return list(stmt.node.objects).map((o) => {
      const parts = names(as(o, 'ObjectWithArgs')?.objname);
      const key = parts.length > 1 ? parts.slice(-2).join('.') : `public.${parts[0]}`;
      return {
        message: `drops routine ${parts.join('.')}; the previous app version (or a trigger) may still call it`,
        effect: { compatibility: 'breaking' },
        object: `function:${key}`,
      };
    });
  },
  examples: {
    flags: ['DROP FUNCTION order_total(int);', 'DROP PROCEDURE IF EXISTS archive_orders;'],
    passes: ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nDROP FUNCTION f();'],
  },
});
