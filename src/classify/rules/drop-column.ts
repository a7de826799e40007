import { quoteIdent } from '../../db/connection.js';
import { as, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { col, colName, tableCmds } from '../rule-helpers.js';

export const dropColumn = defineRule({
  id: 'drop-column',
  summary: 'ALTER TABLE ... DROP COLUMN removes the column and its values.',
  help: 'Expand/contract: deploy code that no longer reads or writes the column, then drop it in a later migration (keep a copy of the values if a rollback may need them).',
  nodes: ['AlterTableStmt:AT_DropColumn'],
  check(stmt) {
    // Schema-diff tools (Prisma Migrate, drizzle-kit) write a renamed column as a DROP and an ADD in one ALTER TABLE.
    const added = tableCmds(stmt, 'AT_AddColumn').map(({ table, cmd }) => ({ table, name: str(as(cmd.def, 'ColumnDef')?.colname) }));
    return tableCmds(stmt, 'AT_DropColumn').map(({ table, cmd }) => {
      const twin = added.filter((a) => a.table === table && a.name !== undefined);
      return {
        message: `drops column ${colName(table, cmd.name)} and its values; the previous app version still selects or writes it`,
        ...(twin.length === 1
          ? { help: `If ${colName(table, twin[0]!.name)}, added by the same statement, is ${colName(table, cmd.name)} renamed (Prisma Migrate and drizzle-kit generate a rename as drop + add), edit the migration to ALTER TABLE ... RENAME COLUMN ${quoteIdent(String(cmd.name))} TO ${quoteIdent(twin[0]!.name!)}, which keeps the values; else deploy code that no longer uses the column first, then drop it in a later migration.` }
          : {}),
        effect: { compatibility: 'breaking', dataLoss: 'destructive' },
        object: col(table, cmd.name),
      };
    });
  },
  examples: {
    flags: ['ALTER TABLE users DROP COLUMN email;', 'ALTER TABLE "Instructor" DROP COLUMN "bio",\nADD COLUMN     "about" TEXT;', 'ALTER TABLE users DROP COLUMN IF EXISTS email CASCADE;'],
    passes: ['ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users DROP COLUMN nick;', 'CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;'],
  },
});
