import { as, list, names, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const dropType = defineRule({
  id: 'drop-type',
  summary: 'DROP TYPE / DROP DOMAIN removes a type; with CASCADE, every column of that type too.',
  help: 'Move columns off the type first (in their own migrations); drop the type once nothing uses it, without CASCADE.',
  nodes: ['DropStmt'],
  check(stmt, ctx) {
    const type = str(stmt.node.removeType);
    if (type !== 'OBJECT_TYPE' && type !== 'OBJECT_DOMAIN') return [];
    const cascade = str(stmt.node.behavior) === 'DROP_CASCADE';
    return list(stmt.node.objects).flatMap((o) => {
      const parts = names(as(o, 'TypeName')?.names);
      const key = parts.length > 1 ? parts.slice(-2).join('.') : `public.${parts[0]}`;
      // The old type an enum rebuild set aside, its name now another's: no code names it (a CASCADE still drops columns).
      if (!cascade && ctx.state.typeSetAside(key)) return [];
      return {
        message: cascade
          ? `drops type ${parts.join('.')} with CASCADE: columns of this type are dropped with their values`
          : `drops type ${parts.join('.')}; code casting to it or writing its values breaks`,
        effect: { compatibility: 'breaking', dataLoss: cascade ? 'destructive' : undefined },
        object: `type:${key}`,
      };
    });
  },
  examples: {
    flags: ['DROP TYPE order_status;', 'DROP TYPE mood CASCADE;', 'DROP DOMAIN positive_int;'],
    passes: ["CREATE TYPE mood AS ENUM ('ok');\nDROP TYPE mood;", "CREATE TYPE mood_new AS ENUM ('ok');\nALTER TYPE mood RENAME TO mood_old;\nALTER TYPE mood_new RENAME TO mood;\nDROP TYPE mood_old;", 'ALTER TYPE "public"."mood" RENAME TO "mood_old";\nCREATE TYPE "public"."mood" AS ENUM(\'ok\', \'meh\');\nDROP TYPE "public"."mood_old";'],
  },
});
