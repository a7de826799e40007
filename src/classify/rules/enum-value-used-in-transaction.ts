import { walk } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

/** Statements that can turn a string into an enum value (a default, a row written or compared, a partial index). */
const USES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'SelectStmt', 'MergeStmt', 'AlterTableStmt', 'CreateStmt', 'IndexStmt', 'ViewStmt', 'CreateTableAsStmt']);

export const enumValueUsedInTransaction = defineRule({
  id: 'enum-value-used-in-transaction',
  summary: 'An enum value added by ALTER TYPE ... ADD VALUE cannot be used before its transaction commits (55P04 "unsafe use of new value"): the migration fails.',
  help: 'Add the value in a migration of its own and use it from the next one (Prisma: a migration.sql holding only the ALTER TYPE; node-pg-migrate, Knex and the like: the ADD VALUE outside the transaction, or its own migration).',
  nodes: [...USES],
  check(stmt, ctx) {
    // Before 12 the ADD VALUE itself fails in a transaction block (concurrently-in-transaction says so).
    if (!ctx.inTransaction || ctx.serverVersion < 12) return [];
    const added = ctx.state.uncommittedEnumValues();
    if (added.size === 0) return [];
    // The tree is walked only when the statement's text can hold one of the values: a value without quotes or
    // backslashes stands in the text as it is (a quoted literal, a dollar-quoted one); others are always looked for.
    let maybe = false;
    for (const value of added.keys()) {
      if (/['\\]/.test(value) || stmt.sql.includes(value)) {
        maybe = true;
        break;
      }
    }
    if (!maybe) return [];
    const used = new Set<string>();
    walk(stmt.node, (type, fields) => {
      if (type !== 'A_Const') return;
      const value = (fields.sval as { sval?: unknown } | undefined)?.sval;
      if (typeof value === 'string' && added.has(value)) used.add(value);
    });
    return [...used].map((value) => ({
      message: `uses '${value}', which ${added.get(value)} gained earlier in this transaction: PostgreSQL refuses it until that transaction commits (55P04 unsafe use of new value), so this migration fails`,
      effect: {},
    }));
  },
  examples: {
    flags: [
      // Prisma's diff for a new value made the default, sent as one query: one implicit transaction.
      { sql: 'ALTER TYPE "FileSource" ADD VALUE \'S3\';\nALTER TABLE "File" ALTER COLUMN "source" SET DEFAULT \'S3\';', inTransaction: 'several-statements' },
      'BEGIN;\nALTER TYPE mood ADD VALUE \'meh\';\nUPDATE people SET mood = \'meh\' WHERE mood IS NULL;\nCOMMIT;',
      { sql: "ALTER TYPE order_status ADD VALUE 'refunded';\nINSERT INTO order_log (status) VALUES ('refunded');", inTransaction: true },
    ],
    passes: [
      // Committed first: the explicit block ends before the value is used.
      "BEGIN;\nALTER TYPE mood ADD VALUE 'meh';\nCOMMIT;\nUPDATE people SET mood = 'meh';",
      // Alone in its file (Prisma, golang-migrate): no transaction block.
      { sql: "ALTER TYPE mood ADD VALUE 'meh';", inTransaction: 'several-statements' },
      // Each statement on its own (no transaction): committed before the next.
      "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE people SET mood = 'meh';",
      // The enum-removal dance names the values in its new type: no use of the old one.
      { sql: "ALTER TYPE s ADD VALUE 'b';\nCREATE TYPE s_new AS ENUM ('a', 'b');", inTransaction: true },
    ],
  },
});
