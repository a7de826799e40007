import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dirWith as dirWithFiles, rejection, removeTempDirs } from '../../harness/fixtures.js';
import { loadSqlDir } from '../../../src/tools/sql/files.js';
import { parseSqlFile } from '../../../src/tools/sql/statements.js';

const fixtures = path.resolve(import.meta.dirname, '../../../migrations-fixtures');
const dirWith = (files: Record<string, string>) => dirWithFiles(files, 'dbrollback-sqlfiles-');

afterEach(removeTempDirs);

describe('loadSqlDir', () => {
  it('reads the sql fixture in order with each down kind', async () => {
    const files = await loadSqlDir(path.join(fixtures, 'sql/shop'));
    expect(files.map((f) => [f.name, f.down])).toEqual([
      ['001_create-tables', 'yes'],
      ['002_add-customer-phone', 'yes'],
      ['003_index-orders-customer', 'yes'],
      ['004_rename-order-note', 'yes'],
      ['005_drop-customer-legacy-code', 'yes'],
      ['006_backfill-product-sku', 'yes'],
      ['007_collapse-order-statuses', 'irreversible'],
    ]);
  });

  it('orders by the number, then the name (10 after 9)', async () => {
    const dir = await dirWith({ '10_b.up.sql': 'SELECT 1;', '9_a.up.sql': 'SELECT 1;', '9_0.up.sql': 'SELECT 1;' });
    expect((await loadSqlDir(dir)).map((f) => f.name)).toEqual(['9_0', '9_a', '10_b']);
  });

  it('an orphan .down.sql is MIGRATIONS_INVALID naming the file (exit 2)', async () => {
    const dir = await dirWith({ '001_a.up.sql': 'SELECT 1;', '002_b.down.sql': 'SELECT 1;' });
    const err = await rejection(loadSqlDir(dir));
    expect(err.code).toBe('MIGRATIONS_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('002_b.down.sql: orphan down migration');
  });

  it('a .sql file that is not NNN_name.up/down.sql is MIGRATIONS_INVALID', async () => {
    const dir = await dirWith({ '001_a.up.sql': 'SELECT 1;', 'seed.sql': 'SELECT 1;' });
    expect((await rejection(loadSqlDir(dir))).message).toContain('seed.sql: not a migration file name');
  });

  it('an up without a down has down kind missing; with a comment-only or empty down, empty', async () => {
    const dir = await dirWith({ '001_a.up.sql': 'SELECT 1;', '002_b.up.sql': 'SELECT 1;', '002_b.down.sql': '-- nothing to do\n', '003_c.up.sql': 'SELECT 1;', '003_c.down.sql': '' });
    expect((await loadSqlDir(dir)).map((f) => f.down)).toEqual(['missing', 'empty', 'empty']);
  });
});

describe('parseSqlFile', () => {
  it('splits statements (dollar quotes and multibyte text included)', async () => {
    const parsed = await parseSqlFile("SELECT 'é;';\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2", 'x.sql', 15);
    expect(parsed.statements).toEqual(["SELECT 'é;'", 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql', 'SELECT 2']);
    expect(parsed.noTransactionReason).toBeNull();
  });

  it.each([
    ['CREATE INDEX CONCURRENTLY i ON t (a);', /CREATE INDEX CONCURRENTLY/],
    ['DROP INDEX CONCURRENTLY i;', /DROP INDEX CONCURRENTLY/],
    ['VACUUM t;', /VACUUM/],
    ['-- dbrollback:no-transaction\nUPDATE t SET a = 1;', /marked/],
  ])('finds what cannot run in a transaction: %s', async (sql, reason) => {
    expect((await parseSqlFile(sql, 'x.sql', 15)).noTransactionReason).toMatch(reason);
  });

  it('ALTER TYPE ... ADD VALUE needs no-transaction only before PostgreSQL 12', async () => {
    const sql = "ALTER TYPE mood ADD VALUE 'meh';";
    expect((await parseSqlFile(sql, 'x.sql', 11)).noTransactionReason).toMatch(/ADD VALUE/);
    expect((await parseSqlFile(sql, 'x.sql', 15)).noTransactionReason).toBeNull();
  });

  it('a syntax error is SQL_SYNTAX naming the file', async () => {
    const err = await rejection(parseSqlFile('ALTER TABLE;', '/m/004_x.down.sql', 15));
    expect(err.code).toBe('SQL_SYNTAX');
    expect(err.message).toContain('/m/004_x.down.sql');
  });
});
