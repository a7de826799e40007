/**
 * Every enum value stored in a table still exists in pg_enum. A down migration
 * that removed a value with `DELETE FROM pg_enum` while rows still held it (or
 * a catalog restore gone wrong) leaves rows the application cannot read:
 * every query printing them fails with `invalid internal value for enum`,
 * while row counts, constraints and indexes look fine. Columns of an enum
 * type, arrays of one and domains over either are read (see enum-columns.ts);
 * with a baseline the row-counts pass reads them while it counts, otherwise
 * only the tables holding enum columns are read here, one scan each.
 */
import type { Db } from '../../db/connection.js';
import { quoteIdent, quoteQualified } from '../../db/connection.js';
import { formatTableRef, tableKey } from '../baseline.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import type { Check, VerifyContext } from '../check.js';
import { plural } from '../compare.js';
import { listEnumColumns, readEnumColumns, type EnumColumn, type EnumReading } from '../enum-columns.js';

export const enumValues: Check = {
  id: 'enum-values',
  uses: 'connection',
  description: 'every enum value stored in a table (enum, enum[] and domain columns) is still in pg_enum, so its rows can be read',
  async run(db, ctx) {
    const columns = await listEnumColumns(db);
    if (columns.size === 0) return { status: 'pass', detail: 'no table has an enum column' };
    const { read, fromRowCounts } = await readings(db, ctx, columns);
    const bad: Array<{ table: string; reading: EnumReading }> = [];
    for (const [table, found] of read) for (const reading of found) if (reading.unreadable > 0) bad.push({ table, reading });
    const count = [...columns.values()].reduce((n, c) => n + c.length, 0);
    const checked = `${plural(count, 'enum column')} in ${plural(columns.size, 'table')}`;
    const data = { columns: count, tables: columns.size, readByRowCounts: fromRowCounts, unreadable: bad.map((b) => ({ table: b.table, column: b.reading.column, type: b.reading.type, rows: b.reading.unreadable })) };
    if (bad.length === 0) return { status: 'pass', detail: `${checked}: every stored value is in pg_enum`, data };
    const tables = [...new Set(bad.map((b) => b.table))];
    return {
      status: 'fail',
      detail: `${plural(tables.length, 'table')} ${tables.length === 1 ? 'holds' : 'hold'} enum values no longer in pg_enum (their rows cannot be read): ${bad.map((b) => `${b.table}.${b.reading.column} (${plural(b.reading.unreadable, 'row')})`).join(', ')}`,
      problems: [...bad.map((b) => describe(b.table, b.reading, columns)), remedy(tables.map((t) => columns.get(t)![0]!))],
      data,
    };
  },
};

/** Each table's readings: from the row-counts pass where it read them, else one scan here. */
async function readings(db: Db, ctx: VerifyContext, columns: Map<string, EnumColumn[]>): Promise<{ read: Map<string, EnumReading[]>; fromRowCounts: number }> {
  const read = new Map<string, EnumReading[]>();
  if (ctx.live.readsEnums) {
    // Should that pass fail (row-counts then says why), the tables are read here instead.
    const live = await ctx.live.get().catch(() => []);
    for (const t of live) if (t.enums && columns.has(tableKey(t))) read.set(tableKey(t), t.enums);
  }
  const fromRowCounts = read.size;
  for (const [table, cols] of columns) if (!read.has(table)) read.set(table, await readEnumColumns(db, cols));
  return { read, fromRowCounts };
}

function describe(table: string, reading: EnumReading, columns: Map<string, EnumColumn[]>): string {
  const column = columns.get(table)?.find((c) => c.column === reading.column);
  const what = `${table}.${reading.column} (${reading.declared}${reading.declared === reading.type ? '' : `, enum ${reading.type}`}): ${plural(reading.unreadable, 'row holds', 'rows hold')} a value no longer in pg_enum; reading ${reading.unreadable === 1 ? 'it' : 'them'} fails with "invalid internal value for enum"`;
  if (!column || column.array) return what;
  // The lost label cannot be read back, so this repairs readability only, not the data.
  const type = quoteQualified(column.enumType.schema, column.enumType.name);
  const col = quoteIdent(column.column);
  return `${what} — to keep the rows without their old value: UPDATE ${quoteQualified(column.schema, column.table)} SET ${col} = 'LABEL' WHERE ${col} <> ALL (enum_range(NULL::${type}))`;
}

function remedy(tables: TableRef[]): string {
  return (
    'Do not return traffic. Restore the database from a backup taken before the value was removed (dbrollback restore --backup ID), ' +
    `or put the label back (ALTER TYPE ... ADD VALUE 'LABEL') and recover the rows from before the change: dbrollback restore --before-migration NAME --tables ${tables.map(formatTableRef).join(',')} --into-database URL --replace`
  );
}
