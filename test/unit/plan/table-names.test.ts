/**
 * One parser for `schema.table` names: the tables a restore plan names are
 * written as parseTableRefs reads them (quoted where a part holds capitals or
 * dots), so the foreign-key lookup and the `--tables` command get the real
 * names back, never a split at the first dot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { restoreRoutes } from '../../../src/migrate/plan/restore-routes.js';
import { touchedTables } from '../../../src/migrate/plan/touched-tables.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';
import { formatTableRef, parseTableRefs } from '../../../src/verify/baseline.js';

beforeAll(() => initParser());

describe('formatTableRef', () => {
  it('leaves plain lower-case names bare and quotes capitals, dots, spaces and quotes', () => {
    expect(formatTableRef({ schema: 'public', table: 'orders' })).toBe('public.orders');
    expect(formatTableRef({ schema: 'My.Schema', table: 'Orders' })).toBe('"My.Schema"."Orders"');
    expect(formatTableRef({ schema: 'app', table: 'say "hi" now' })).toBe('app."say ""hi"" now"');
  });

  it('is read back by parseTableRefs to the same parts', () => {
    const refs = [
      { schema: 'public', table: 'orders' },
      { schema: 'My.Schema', table: 'Orders' },
      { schema: 'a.b', table: 'c.d' },
      { schema: 'app', table: 'say "hi", now' },
    ];
    expect(parseTableRefs(refs.map(formatTableRef).join(','))).toEqual(refs);
  });
});

describe('touchedTables names tables as parseTableRefs reads them', () => {
  const touched = (sql: string) => touchedTables(parseSql(sql).statements);

  it('keeps a dot inside a quoted schema and the case of quoted names', () => {
    const t = touched('ALTER TABLE "My.Schema"."Orders" ADD COLUMN note text; UPDATE "Carts" SET n = 1; DELETE FROM app.sessions; DROP TABLE "Old.Stuff"."X";');
    expect(t.existing).toEqual(['"My.Schema"."Orders"', '"Old.Stuff"."X"', 'app.sessions', 'public."Carts"']);
    expect(parseTableRefs(t.existing.join(','))).toEqual([
      { schema: 'My.Schema', table: 'Orders' },
      { schema: 'Old.Stuff', table: 'X' },
      { schema: 'app', table: 'sessions' },
      { schema: 'public', table: 'Carts' },
    ]);
  });

  it('folds unquoted names as SQL does', () => {
    expect(touched('UPDATE Orders SET n = 1; TRUNCATE App.Log;').existing).toEqual(['app.log', 'public.orders']);
  });
});

describe('the table route command', () => {
  it('quotes the --tables list for the shell when a name is quoted, so the quotes reach dbrollback', () => {
    const touched = touchedTables(parseSql('UPDATE "Sales"."Orders" SET n = 1;').statements);
    const route = restoreRoutes({ oldest: '004_x', touched, liveTables: 5, backup: null }).routes.find((r) => r.route === 'tables')!;
    expect(route.command).toBe(`dbrollback restore --before-migration 004_x --tables '"Sales"."Orders"' --into-database URL`);
    expect(route.tables).toEqual(['"Sales"."Orders"']);
  });

  it('leaves plain names unquoted', () => {
    const touched = touchedTables(parseSql('UPDATE orders SET n = 1;').statements);
    expect(restoreRoutes({ oldest: '004_x', touched, liveTables: 5, backup: null }).routes[0]!.command).toBe('dbrollback restore --before-migration 004_x --tables public.orders --into-database URL');
  });
});
