import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/run/config.js';
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
      JSON.stringify({ databseUrl: 'postgres://x/y', migrator: 'no-such-tool', storage: 42, migrations: 'nope' }),
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

  it('takes the encryption key from DBROLLBACK_ENCRYPTION_KEY (hex or base64), encryptionKeyFile (relative to the config file) or a passphrase', async () => {
    const hex = 'ab'.repeat(32);
    expect((await resolveConfig({}, { cwd: await tempDir(), env: { DBROLLBACK_ENCRYPTION_KEY: hex } })).encryption).toMatchObject({ kind: 'key', key: Buffer.from(hex, 'hex') });
    const b64 = Buffer.alloc(32, 3).toString('base64');
    expect((await resolveConfig({}, { cwd: await tempDir(), env: { DBROLLBACK_ENCRYPTION_KEY: b64 } })).encryption).toMatchObject({ kind: 'key', key: Buffer.alloc(32, 3) });
    const cwd = await tempDir();
    await mkdir(path.join(cwd, 'keys'));
    await writeFile(path.join(cwd, 'keys', 'storage.key'), `${hex}\n`, { mode: 0o600 });
    await writeFile(path.join(cwd, 'dbrollback.config.json'), JSON.stringify({ encryptionKeyFile: 'keys/storage.key' }));
    expect((await resolveConfig({}, { cwd, env: {} })).encryption).toMatchObject({ kind: 'key', source: `key file ${path.join(cwd, 'keys', 'storage.key')}` });
    expect((await resolveConfig({}, { cwd: await tempDir(), env: { DBROLLBACK_ENCRYPTION_PASSPHRASE: 'twelve chars or more' } })).encryption).toMatchObject({ kind: 'passphrase' });
    expect((await resolveConfig({}, { cwd: await tempDir(), env: {} })).encryption).toBeUndefined();
  });

  it('reports a malformed key, an unreadable key file, two keys at once and a bad lockTimeout, without echoing the key', async () => {
    const bad = await resolveConfig({}, { cwd: await tempDir(), env: { DBROLLBACK_ENCRYPTION_KEY: 'not-a-key-123' } }).catch((e: unknown) => e as DbrollbackError);
    expect(bad).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2, message: expect.stringMatching(/DBROLLBACK_ENCRYPTION_KEY: must hold exactly 32 bytes/) });
    expect((bad as DbrollbackError).message).not.toContain('not-a-key-123');
    const missing = await resolveConfig({}, { cwd: await tempDir(), env: { DBROLLBACK_ENCRYPTION_KEY_FILE: '/nonexistent/key' } }).catch((e: unknown) => e as DbrollbackError);
    expect(missing).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/key file \/nonexistent\/key cannot be read \(ENOENT\)/) });
    const two = await resolveConfig({}, { cwd: await tempDir(), env: { DBROLLBACK_ENCRYPTION_KEY: 'ab'.repeat(32), DBROLLBACK_ENCRYPTION_PASSPHRASE: 'twelve chars or more' } }).catch((e: unknown) => e as DbrollbackError);
    expect(two).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/more than one key is configured/) });
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'dbrollback.config.json'), JSON.stringify({ lockTimeout: 'soon' }));
    expect(await resolveConfig({}, { cwd, env: {} }).catch((e: unknown) => e)).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/lockTimeout: "soon" is not a duration/) });
  });

  it('lock timeout: 5 s by default, "500ms", "2s" or seconds as a number from the config file', async () => {
    expect((await resolveConfig({}, { cwd: await tempDir(), env: {} })).lockTimeoutMs).toBe(5000);
    for (const [value, ms] of [['500ms', 500], ['2s', 2000], [1.5, 1500]] as const) {
      const cwd = await tempDir();
      await writeFile(path.join(cwd, 'dbrollback.config.json'), JSON.stringify({ lockTimeout: value }));
      expect((await resolveConfig({}, { cwd, env: {} })).lockTimeoutMs).toBe(ms);
    }
  });
});

describe("a Prisma datasource URL's schema parameter", () => {
  it('names the schema of _prisma_migrations when nothing else does, as Prisma reads it; an explicit migrationsSchema or another tool wins', async () => {
    const cwd = await tempDir();
    const url = 'postgresql://app@db.internal:5432/studio?schema=bookings';
    expect((await resolveConfig({ databaseUrl: url }, { cwd, env: {} })).migrationsSchema).toBe('bookings');
    expect((await resolveConfig({ databaseUrl: url, migrator: 'prisma' }, { cwd, env: {} })).migrationsSchema).toBe('bookings');
    expect((await resolveConfig({}, { cwd, env: { DATABASE_URL: url } })).migrationsSchema).toBe('bookings');
    expect((await resolveConfig({ databaseUrl: url, migrationsSchema: 'public' }, { cwd, env: {} })).migrationsSchema).toBe('public');
    expect((await resolveConfig({ databaseUrl: url, migrator: 'sqitch' }, { cwd, env: {} })).migrationsSchema).toBeUndefined();
    expect((await resolveConfig({ databaseUrl: 'postgresql://app@db.internal:5432/studio' }, { cwd, env: {} })).migrationsSchema).toBeUndefined();
  });
});
