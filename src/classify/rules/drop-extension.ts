import { as, list, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const dropExtension = defineRule({
  id: 'drop-extension',
  summary: 'DROP EXTENSION removes its types and functions; with CASCADE, the columns and indexes using them.',
  help: 'Remove every use of the extension first; drop it without CASCADE.',
  nodes: ['DropStmt'],
  check(stmt) {
    if (str(stmt.node.removeType) !== 'OBJECT_EXTENSION') return [];
    const cascade = str(stmt.node.behavior) === 'DROP_CASCADE';
    return list(stmt.node.objects).map((o) => ({
      message: `drops extension ${str(as(o, 'String')?.sval) ?? '?'}${cascade ? ' with CASCADE: columns of its types are dropped with their values' : ''}`,
      effect: { compatibility: 'breaking', dataLoss: cascade ? 'destructive' : undefined },
    }));
  },
  examples: { flags: ['DROP EXTENSION pg_trgm;', 'DROP EXTENSION citext CASCADE;'], passes: ['CREATE EXTENSION IF NOT EXISTS pg_trgm;'] },
});
