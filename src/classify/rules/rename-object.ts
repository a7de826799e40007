import { nameKey, objectNameParts, relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

/** Renames the app may name in queries (index, constraint, trigger and policy names it does not). */
const KINDS: Record<string, string> = {
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'domain',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_SCHEMA: 'schema',
  OBJECT_FOREIGN_TABLE: 'foreign table',
  OBJECT_ATTRIBUTE: 'type attribute',
};

export const renameObject = defineRule({
  id: 'rename-object',
  summary: 'Renaming a view, sequence, type, function or schema breaks code that names it.',
  help: 'Create the object under the new name alongside the old one, move callers, then drop the old name later.',
  nodes: ['RenameStmt'],
  check(stmt, ctx) {
    const kind = KINDS[str(stmt.node.renameType) ?? ''];
    if (!kind) return [];
    const n = stmt.node;
    const parts = objectNameParts(n);
    const key =
      kind === 'view' || kind === 'materialized view' ? `view:${relKey(n.relation)}`
      : kind === 'schema' ? `schema:${parts[0]}`
      : kind === 'type' || kind === 'domain' ? `type:${nameKey(parts)}`
      : kind === 'function' || kind === 'procedure' ? `function:${nameKey(parts)}`
      : kind === 'sequence' ? `sequence:${relKey(n.relation)}`
      : undefined;
    // Renamed aside for another type to take the name (an enum rebuilt): the name code uses stays.
    if ((kind === 'type' || kind === 'domain') && ctx.state.typeNameKept(nameKey(parts) ?? '')) return [];
    return [
      {
        message: `renames ${kind} ${parts.join('.') || '?'} to ${str(n.newname)}; code using the old name breaks`,
        effect: { compatibility: 'breaking' },
        object: key,
      },
    ];
  },
  examples: {
    flags: ['ALTER VIEW active_users RENAME TO live_users;', 'ALTER TYPE mood RENAME TO feeling;', 'ALTER FUNCTION total(int) RENAME TO order_total;', 'ALTER SCHEMA app RENAME TO core;', 'ALTER SEQUENCE s RENAME TO s2;'],
    passes: [
      'ALTER INDEX users_email_idx RENAME TO users_email_key;',
      'ALTER TABLE users RENAME CONSTRAINT c1 TO c2;',
      // Prisma's enum value-removal dance: the name "Role" stays.
      'CREATE TYPE "Role_new" AS ENUM (\'USER\');\nALTER TYPE "Role" RENAME TO "Role_old";\nALTER TYPE "Role_new" RENAME TO "Role";\nDROP TYPE "Role_old";',
      // TypeORM's generated enum change: the new type is created under the name.
      'ALTER TYPE "public"."user_role_enum" RENAME TO "user_role_enum_old";\nCREATE TYPE "public"."user_role_enum" AS ENUM(\'user\', \'admin\');\nALTER TABLE "user" ALTER COLUMN "role" TYPE "public"."user_role_enum" USING "role"::"text"::"public"."user_role_enum";\nDROP TYPE "public"."user_role_enum_old";',
    ],
  },
});
