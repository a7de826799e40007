import { as, nameKey, names, typeInfo, type Fields } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { col, colName, tableCmds } from '../rule-helpers.js';
import { compareTypes, isPlainUsing, isRelabelIntoEnum } from '../type-change.js';

const INTEGERS = new Set(['int2', 'int4', 'int8']);

export const lossyTypeChange = defineRule({
  id: 'lossy-type-change',
  summary: 'A type change with a USING expression, or to a type that rounds/truncates, changes stored values; a down cannot recover the originals.',
  help: 'Write the converted values to a new column and keep the old one until the change is proven; the down then just switches back.',
  nodes: ['AlterTableStmt:AT_AlterColumnType'],
  check(stmt, ctx) {
    return tableCmds(stmt, 'AT_AlterColumnType').flatMap(({ table, cmd }) => {
      const def = as(cmd.def, 'ColumnDef');
      const to = typeInfo(def?.typeName);
      if (!to) return [];
      const change = compareTypes(ctx.columnType(table, String(cmd.name)), to);
      // On a widening, `USING col::newtype` converts exactly as the type change alone would; so does it between
      // integer types (a value that does not fit fails the migration, none is altered); elsewhere (text → int,
      // a shorter varchar, which an explicit cast truncates) a plain cast is the conversion that can fail or change values.
      const exact = change.widening || (change.known && INTEGERS.has(to.name) && INTEGERS.has(ctx.columnType(table, String(cmd.name))?.name ?? ''));
      const plain = exact && !change.lossy && isPlainUsing(def?.raw_default, String(cmd.name), to, typeInfo);
      // Onto an enum this file made, through text: labels kept or the statement fails (narrowing-column-type says which break).
      const typeName = (as(def?.typeName, 'TypeName') ?? def?.typeName) as Fields | undefined;
      if (isRelabelIntoEnum(def?.raw_default, String(cmd.name), nameKey(names(typeName?.names)), (key) => ctx.state.createdEnum(key))) return [];
      const using = plain ? undefined : def?.raw_default;
      if (!using && !change.lossy) return [];
      return [
        {
          message: using
            ? `rewrites the values of ${colName(table, cmd.name)} through a USING expression; the down migration cannot recover the originals unless the conversion is exactly invertible`
            : `converts ${colName(table, cmd.name)} to ${to.text}, which changes some values (rounding, truncation or reinterpretation)`,
          effect: { dataLoss: 'rewrite' },
          object: col(table, cmd.name),
        },
      ];
    });
  },
  examples: {
    flags: ["ALTER TABLE events ALTER COLUMN at TYPE timestamptz USING at AT TIME ZONE 'UTC';", 'ALTER TABLE orders ALTER COLUMN status TYPE int USING status::int;'],
    passes: [
      // Prisma's enum rebuild: onto the new enum through text, each label kept (or the statement fails).
      'CREATE TYPE "Role_new" AS ENUM (\'USER\');\nALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");',
      'ALTER TABLE users ALTER COLUMN name TYPE text;', 'ALTER TABLE invoices ALTER COLUMN amount TYPE bigint USING amount::bigint;', 'ALTER TABLE invoices ALTER COLUMN amount TYPE bigint USING CAST(amount AS bigint);'],
  },
});
