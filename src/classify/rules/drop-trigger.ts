import { as, list, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const dropTrigger = defineRule({
  id: 'drop-trigger',
  summary: 'DROP TRIGGER removes behaviour (audit rows, updated_at, denormalised copies) the app may rely on.',
  help: 'Move the trigger\'s behaviour into the app (or a replacement trigger) first, then drop it.',
  nodes: ['DropStmt'],
  check(stmt) {
    if (str(stmt.node.removeType) !== 'OBJECT_TRIGGER') return [];
    return list(stmt.node.objects).map((o) => {
      const parts = list(as(o, 'List')?.items).map((i) => str(as(i, 'String')?.sval) ?? '');
      const trigger = parts[parts.length - 1];
      const table = parts.length > 2 ? parts.slice(-3, -1).join('.') : `public.${parts[0]}`;
      return {
        message: `drops trigger ${trigger} on ${parts.slice(0, -1).join('.')}; the previous app version may rely on what it did`,
        effect: { compatibility: 'breaking' },
        object: `trigger:${table}.${trigger}`,
      };
    });
  },
  examples: {
    flags: ['DROP TRIGGER set_updated_at ON orders;'],
    passes: ['CREATE TRIGGER tr BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();\nDROP TRIGGER tr ON orders;'],
  },
});
