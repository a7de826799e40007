/** Pure logic of the golang-migrate and dbmate members: lock ids, file pairing, table names, splitting, sections. */
import { afterEach, describe, expect, it } from 'vitest';
import { dirWith as dirWithFiles, rejection, removeTempDirs } from '../../harness/fixtures.js';
import { parseSections } from '../../../src/tools/dbmate/files.js';
import { databaseUrl } from '../../../src/tools/dbmate/program.js';
import { tableOf as dbmateTable } from '../../../src/tools/dbmate/history.js';
import { loadGolangMigrateDir } from '../../../src/tools/golang-migrate/files.js';
import { tableOf } from '../../../src/tools/golang-migrate/history.js';
import { advisoryLockId } from '../../../src/tools/golang-migrate/lock.js';
import { splitMultiStatement } from '../../../src/tools/golang-migrate/multi-statement.js';

const dirWith = (files: Record<string, string>) => dirWithFiles(files, 'dbrollback-gm-');
afterEach(removeTempDirs);

describe('golang-migrate', () => {
  it('advisory lock ids are the ones golang-migrate\'s own tests expect of GenerateAdvisoryLockId (database/util_test.go, v4)', () => {
    expect(advisoryLockId('database_name')).toBe(1764327054n);
    expect(advisoryLockId('database_name', 'schema_name_1')).toBe(3244152297n);
    expect(advisoryLockId('database_name', 'schema_name_2')).toBe(810103531n);
  });

  it('pairs an up and a down by version whatever their names, sorts versions as numbers, and notes a missing down', async () => {
    const dir = await dirWith({
      '10_c.up.sql': 'SELECT 1;',
      '2_add_index.up.sql': 'SELECT 1;',
      '2_remove_index.down.sql': 'DROP INDEX accounts_email_idx;',
      '100_d.up.sql': 'SELECT 1;',
      '1_a.up.sql': 'SELECT 1;',
      '1_a.down.sql': '-- nothing to do\n',
      'README.md': 'not a migration',
    });
    const files = await loadGolangMigrateDir(dir);
    expect(files.map((f) => [f.name, f.version, f.down])).toEqual([
      ['1_a', 1n, 'empty'],
      ['2_add_index', 2n, 'yes'],
      ['10_c', 10n, 'missing'],
      ['100_d', 100n, 'missing'],
    ]);
    expect(files[1]!.downPath).toMatch(/2_remove_index\.down\.sql$/);
  });

  it('two ups of one version are refused, as golang-migrate refuses them', async () => {
    const dir = await dirWith({ '1_a.up.sql': 'SELECT 1;', '001_b.up.sql': 'SELECT 1;' });
    const err = await rejection(loadGolangMigrateDir(dir));
    expect(err.code).toBe('MIGRATIONS_INVALID');
    expect(err.message).toContain('duplicate migration file');
  });

  it('migrationsTable reads as x-migrations-table, and in double quotes as x-migrations-table-quoted', () => {
    expect(tableOf({ migrationsTable: undefined, migrationsSchema: undefined })).toEqual({ schema: null, table: 'schema_migrations' });
    expect(tableOf({ migrationsTable: 'my.migrations', migrationsSchema: undefined })).toEqual({ schema: null, table: 'my.migrations' });
    expect(tableOf({ migrationsTable: '"migrate"."schema_migrations"', migrationsSchema: undefined })).toEqual({ schema: 'migrate', table: 'schema_migrations' });
    expect(tableOf({ migrationsTable: '"versions"', migrationsSchema: 'app' })).toEqual({ schema: 'app', table: 'versions' });
    expect(() => tableOf({ migrationsTable: '"a"."b"."c"', migrationsSchema: undefined })).toThrow(/too many dot/);
  });

  it('x-multi-statement cuts at every ";" as golang-migrate does (quotes and dollar bodies included), skipping blank pieces', () => {
    expect(splitMultiStatement("CREATE TABLE t (a text);\nINSERT INTO t VALUES ('a;b');\n")).toEqual(['CREATE TABLE t (a text);', "\nINSERT INTO t VALUES ('a;", "b');"]);
    expect(() => splitMultiStatement('SELECT 1;', 4)).toThrow(/x-multi-statement-max-size/);
  });
});

describe('dbmate', () => {
  it('cuts a file into its up and down blocks, with transaction:false read from the directive line', () => {
    const text = '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n';
    const sections = parseSections(text)!;
    expect(sections.up.text.trim()).toBe('CREATE INDEX CONCURRENTLY i ON t (a);');
    expect(sections.up.transaction).toBe(false);
    expect(sections.down!.text.trim()).toBe('DROP INDEX CONCURRENTLY i;');
    expect(sections.down!.firstLine).toBe(4);
    expect(parseSections('-- migrate:up\nSELECT 1;\n')!.down).toBeNull();
    expect(parseSections('CREATE TABLE t (a int);\n')).toBeNull();
  });

  it('the URL dbmate gets (in its environment only) keeps libpq\'s sslmode default and carries lock_timeout', () => {
    const url = databaseUrl({ host: '127.0.0.1', port: 5433, user: 'app', password: 'p@ss', database: 'shop', sslmode: undefined, applicationName: 'dbrollback' }, 1500);
    expect(url).toBe('postgres://app:p%40ss@127.0.0.1:5433/shop?sslmode=prefer&application_name=dbrollback&options=-c%20lock_timeout%3D1500');
    expect(databaseUrl({ host: '/run/postgresql', port: 5432, user: 'app', password: undefined, database: 'shop', sslmode: 'disable', applicationName: 'x' })).toContain('@:5432/shop?sslmode=disable&application_name=x&socket=%2Frun%2Fpostgresql');
  });

  it('--migrations-table schema.table names the schema, as dbmate splits it', () => {
    expect(dbmateTable({ migrationsTable: 'ops.schema_migrations', migrationsSchema: undefined })).toEqual({ schema: 'ops', table: 'schema_migrations' });
    expect(dbmateTable({ migrationsTable: undefined, migrationsSchema: 'app' })).toEqual({ schema: 'app', table: 'schema_migrations' });
  });
});
