import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dirWith as dirWithFiles, rejection, removeTempDirs } from '../../harness/fixtures.js';
import { detectMigrator, openAdapter } from '../../../src/tools/registry.js';
import { resolveConfig } from '../../../src/run/config.js';

const fixtures = path.resolve(import.meta.dirname, '../../../migrations-fixtures');
const dirWith = (files: Record<string, string>) => dirWithFiles(files, 'dbrollback-detect-');

afterEach(removeTempDirs);

describe('detectMigrator', () => {
  it('picks node-pg-migrate for the node-pg-migrate fixture (.js migrations)', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'node-pg-migrate/shop'), configModule: undefined })).toBe('node-pg-migrate');
  });

  it('picks sql for the sql fixture (*.up.sql / *.down.sql)', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'sql/shop'), configModule: undefined })).toBe('sql');
  });

  it('picks umzug for the umzug fixture (its config exports umzug)', async () => {
    const configModule = (await import(pathToFileURL(path.join(fixtures, 'umzug/shop/dbrollback.config.mjs')).href)) as Record<string, unknown>;
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'umzug/shop/migrations'), configModule })).toBe('umzug');
  });

  it('picks umzug when resolveConfig loads the umzug fixture config from its directory', async () => {
    const config = await resolveConfig({ databaseUrl: 'postgres://u@127.0.0.1:1/db' }, { cwd: path.join(fixtures, 'umzug/shop'), env: {} });
    expect(await detectMigrator(config)).toBe('umzug');
  });

  it('an explicit migrator wins over detection', async () => {
    expect(await detectMigrator({ migrator: 'sql', migrationsDir: path.join(fixtures, 'node-pg-migrate/shop'), configModule: undefined })).toBe('sql');
  });

  it('picks node-pg-migrate for .sql files in its "-- Up Migration" format', async () => {
    const dir = await dirWith({ '1700000000000_init.sql': '-- Up Migration\nCREATE TABLE t (id int);\n-- Down Migration\nDROP TABLE t;\n' });
    expect(await detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined })).toBe('node-pg-migrate');
  });

  it('plain .sql files of unknown format are MIGRATOR_UNKNOWN asking for --migrator (exit 2)', async () => {
    const dir = await dirWith({ 'V1__init.sql': 'CREATE TABLE t (id int);\n' });
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }));
    expect(err.code).toBe('MIGRATOR_UNKNOWN');
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('--migrator');
  });

  it('no migrations directory and no umzug export is MIGRATIONS_INVALID asking for --migrations', async () => {
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: undefined, configModule: undefined }));
    expect(err.code).toBe('MIGRATIONS_INVALID');
    expect(err.hint).toContain('--migrations');
  });
});

describe('openAdapter', () => {
  it('opens the adapter of the detected kind without connecting, exposing the tool lock', async () => {
    const config = await resolveConfig(
      { databaseUrl: 'postgres://u@127.0.0.1:1/db', migrations: path.join(fixtures, 'node-pg-migrate/shop') },
      { cwd: fixtures, env: {} },
    );
    const adapter = await openAdapter(config);
    expect(adapter.kind).toBe('node-pg-migrate');
    expect(adapter.toolLocks.map((l) => l.key)).toEqual([7241865325823964n]);
    await adapter.close();
  });

  it('refuses --migrator sql without a migrations directory', async () => {
    const config = await resolveConfig({ databaseUrl: 'postgres://u@127.0.0.1:1/db', migrator: 'sql' }, { cwd: os.tmpdir(), env: {} });
    const err = await rejection(openAdapter(config));
    expect(err.code).toBe('MIGRATIONS_INVALID');
  });
});
