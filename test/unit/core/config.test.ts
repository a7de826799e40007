import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config.js';
import { DbrollbackError } from '../../../src/errors.js';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'dbrollback-config-'));
}

describe('config resolution', () => {
  it('takes the flag over the config file over DATABASE_URL over PG* variables', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'dbrollback.config.json'), JSON.stringify({ databaseUrl: 'postgres://file@h/filedb', storage: 'file:///from-file' }));
    const env = { DATABASE_URL: 'postgres://env@h/envdb', PGDATABASE: 'pgdb', DBROLLBACK_STORAGE: '/from-env' };
    const fromFlag = await resolveConfig({ databaseUrl: 'postgres://flag@h/flagdb' }, { cwd, env });
    expect(fromFlag.conn.database).toBe('flagdb');
    expect(fromFlag.connSource).toBe('flag');
    const fromFile = await resolveConfig({}, { cwd, env });
    expect(fromFile.conn.database).toBe('filedb');
    expect(fromFile.storage).toBe('file:///from-file');
    const fromEnv = await resolveConfig({}, { cwd: await tempDir(), env });
    expect(fromEnv.conn.database).toBe('envdb');
    expect(fromEnv.storage).toBe('/from-env');
    const fromPg = await resolveConfig({}, { cwd: await tempDir(), env: { PGDATABASE: 'pgdb', PGHOST: 'pghost' } });
    expect(fromPg.conn).toMatchObject({ database: 'pgdb', host: 'pghost' });
    expect(fromPg.connSource).toBe('libpq-env');
  });

  it('reports every problem of a malformed config file at once', async () => {
    const cwd = await tempDir();
    await writeFile(
      path.join(cwd, 'dbrollback.config.json'),
      JSON.stringify({ databseUrl: 'postgres://x/y', migrator: 'flyway', storage: 42, migrations: 'nope' }),
    );
    const err = await resolveConfig({}, { cwd, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbrollbackError);
    const e = err as DbrollbackError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('unknown setting "databseUrl"');
    expect(e.message).toContain('"migrator" must be one of');
    expect(e.message).toContain('"storage" must be a non-empty string');
    expect(e.message).toMatch(/migrations: directory .*nope does not exist/);
  });

  it('reports a config file that is not JSON, naming the file', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'dbrollback.config.json'), '{ "storage": ');
    await expect(resolveConfig({}, { cwd, env: {} })).rejects.toThrow(/dbrollback\.config\.json: is not valid JSON/);
  });

  it('loads a .mjs config and resolves its migrations directory relative to the file', async () => {
    const cwd = await tempDir();
    await mkdir(path.join(cwd, 'db', 'migrations'), { recursive: true });
    await writeFile(path.join(cwd, 'db', 'dbrollback.config.mjs'), "export default { migrations: './migrations', migrator: 'sql' };\nexport const extra = 1;\n");
    const config = await resolveConfig({ config: 'db/dbrollback.config.mjs' }, { cwd, env: {} });
    expect(config.migrationsDir).toBe(path.join(cwd, 'db', 'migrations'));
    expect(config.migrator).toBe('sql');
    expect(config.configModule?.extra).toBe(1);
  });

  it('rejects a --config file that does not exist', async () => {
    await expect(resolveConfig({ config: 'missing.json' }, { cwd: await tempDir(), env: {} })).rejects.toThrow(/--config: file .*missing\.json does not exist/);
  });
});
