/**
 * Storage encryption as a user turns it on: the built CLI, a real cluster,
 * s3rver on loopback. The bucket holds nothing readable; damaged, planted
 * and wrong-key objects are refused with exit 2 and no database is touched.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseS3Url } from '../../src/storage/open-storage.js';
import { s3Storage } from '../../src/storage/s3.js';
import type { Storage } from '../../src/storage/contract.js';
import { runBuiltCli } from '../harness/cli.js';
import { startCluster, uniqueName, type Cluster } from '../harness/cluster.js';
import { startS3Server, type S3Server } from '../harness/s3-server.js';

const ROW_TEXT = 'confidential-customer-7f3a';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

async function bytesOf(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('storage encryption (built CLI)', () => {
  let cluster: Cluster;
  let s3: S3Server;
  let db: string;
  const key = randomBytes(32).toString('hex');
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    [cluster, s3] = await Promise.all([startCluster(), startS3Server(['vault'])]);
    Object.assign(process.env, s3.env);
    db = uniqueName('enc');
    await cluster.createDatabase(db);
    await cluster.sql(db, `CREATE TABLE customers (id int PRIMARY KEY, note text); INSERT INTO customers SELECT i, '${ROW_TEXT}-' || i FROM generate_series(1, 3000) i;`);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all([cluster?.stop(), s3?.stop()]);
  });

  const envFor = (prefix: string, extra: Record<string, string> = {}) => ({ ...s3.env, DBROLLBACK_STORAGE: s3.storageUrl('vault', prefix), DATABASE_URL: cluster.url(db), ...extra });
  const raw = (prefix: string) => s3Storage(parseS3Url(s3.storageUrl('vault', prefix)));
  const databaseExists = async (name: string) => (await cluster.sql('postgres', `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`))[0]?.n === 1;

  it('backs up and restores with a key; no object in the bucket holds a row, SQL text or the dump signature', async () => {
    const env = envFor('secure', { DBROLLBACK_ENCRYPTION_KEY: key });
    const made = await runBuiltCli(['backup', '--json'], { env });
    expect(made.exitCode, made.stderr).toBe(0);
    const id = (made.json() as { backup: { id: string } }).backup.id;
    const target = uniqueName('enc_restored');
    const restored = await runBuiltCli(['restore', '--backup', id, '--target-database', cluster.url(target), '--json'], { env });
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await cluster.sql(target, `SELECT count(*)::int AS n FROM customers WHERE note LIKE '${ROW_TEXT}%'`)).toEqual([{ n: 3000 }]);

    // The restore's audit record is readable with the key only.
    const history = await runBuiltCli(['history', '--json'], { env });
    expect(history.exitCode, history.stderr).toBe(0);
    expect(history.stdout).toContain(id);
    const blind = await runBuiltCli(['history', '--json'], { env: envFor('secure') });
    expect(blind.exitCode).toBe(2);
    expect(blind.json()).toMatchObject({ ok: false, error: { code: 'ENCRYPTION_KEY_MISSING' } });

    // Every byte the S3 server keeps (objects and its own metadata files), for this prefix and any other.
    const files = await filesUnder(s3.directory);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const bytes = await readFile(file);
      for (const needle of [ROW_TEXT, 'CREATE TABLE', 'customers', 'PGDMP', '"tables"']) {
        expect(bytes.includes(Buffer.from(needle)), `${needle} in ${file}`).toBe(false);
      }
    }
  });

  it('without the key, or with another one, backups and restore exit 2 and create nothing', async () => {
    const env = envFor('secure2', { DBROLLBACK_ENCRYPTION_KEY: key });
    const made = await runBuiltCli(['backup'], { env });
    expect(made.exitCode, made.stderr).toBe(0);
    const id = made.stdout.trim();

    const noKey = await runBuiltCli(['backups', '--json'], { env: envFor('secure2') });
    expect(noKey.exitCode).toBe(2);
    expect(noKey.json()).toMatchObject({ ok: false, error: { code: 'ENCRYPTION_KEY_MISSING', hint: expect.stringMatching(/DBROLLBACK_ENCRYPTION_KEY/) } });

    const target = uniqueName('enc_wrong');
    const wrong = await runBuiltCli(['restore', '--backup', id, '--target-database', cluster.url(target), '--json'], { env: envFor('secure2', { DBROLLBACK_ENCRYPTION_KEY: randomBytes(32).toString('base64') }) });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.json()).toMatchObject({ ok: false, error: { code: 'ENCRYPTION_KEY_WRONG' } });
    expect(wrong.stdout + wrong.stderr).not.toContain(key);
    expect(await databaseExists(target)).toBe(false);

    // Writing is refused too: no backup under another key, and no plaintext beside the encrypted objects.
    const objects = async () => (await raw('secure2').list('')).map((o) => o.key).sort();
    const before = await objects();
    expect(before).toContain('dbrollback-encryption-key-check');
    const otherKey = await runBuiltCli(['backup', '--json'], { env: envFor('secure2', { DBROLLBACK_ENCRYPTION_KEY: randomBytes(32).toString('hex') }) });
    expect(otherKey.exitCode).toBe(2);
    expect(otherKey.json()).toMatchObject({ ok: false, error: { code: 'ENCRYPTION_KEY_WRONG' } });
    const plain = await runBuiltCli(['backup', '--json'], { env: envFor('secure2') });
    expect(plain.exitCode).toBe(2);
    expect(plain.json()).toMatchObject({ ok: false, error: { code: 'ENCRYPTION_KEY_MISSING' } });
    expect(await objects()).toEqual(before);
  });

  it('a planted unencrypted dump is refused before any database is created; a flipped byte in the dump or the manifest is refused', async () => {
    const env = envFor('planted', { DBROLLBACK_ENCRYPTION_KEY: key });
    const made = await runBuiltCli(['backup'], { env });
    expect(made.exitCode, made.stderr).toBe(0);
    const id = made.stdout.trim();
    // A genuine pg_dump of the same database, taken without encryption, swapped in for the encrypted dump.
    const plain = await runBuiltCli(['backup'], { env: envFor('plain') });
    expect(plain.exitCode, plain.stderr).toBe(0);
    const plainDump = await bytesOf(raw('plain'), `backups/${plain.stdout.trim()}/dump.pgcustom`);
    expect(plainDump.subarray(0, 5).toString()).toBe('PGDMP');
    const dumpKey = `backups/${id}/dump.pgcustom`;
    const sealed = await bytesOf(raw('planted'), dumpKey);
    const storage = raw('planted');
    await storage.delete(dumpKey);
    await storage.put(dumpKey, plainDump);

    const target = uniqueName('enc_planted');
    const refused = await runBuiltCli(['restore', '--backup', id, '--target-database', cluster.url(target), '--json'], { env });
    expect(refused.exitCode).toBe(2);
    expect(refused.json()).toMatchObject({ ok: false, error: { code: 'OBJECT_NOT_AUTHENTIC', message: expect.stringMatching(/not an encrypted dbrollback object/) } });
    expect(await databaseExists(target)).toBe(false);

    // The genuine object back, with one bit flipped in its last chunk.
    sealed[sealed.length - 100] = sealed[sealed.length - 100]! ^ 0x10;
    await storage.delete(dumpKey);
    await storage.put(dumpKey, sealed);
    const flipped = await runBuiltCli(['restore', '--backup', id, '--target-database', cluster.url(target), '--json'], { env });
    expect(flipped.exitCode).toBe(2);
    expect(flipped.json()).toMatchObject({ ok: false, error: { code: 'OBJECT_NOT_AUTHENTIC' } });
    expect(await databaseExists(target)).toBe(false);

    const manifestKey = `backups/${id}/manifest.json`;
    const manifest = await bytesOf(storage, manifestKey);
    manifest[70] = manifest[70]! ^ 0x01;
    await storage.delete(manifestKey);
    await storage.put(manifestKey, manifest);
    const badManifest = await runBuiltCli(['restore', '--backup', id, '--target-database', cluster.url(target), '--json'], { env });
    expect(badManifest.exitCode).toBe(2);
    expect(badManifest.json()).toMatchObject({ ok: false, error: { code: 'OBJECT_NOT_AUTHENTIC' } });
    expect(await databaseExists(target)).toBe(false);
    await storage.close();
  });
});
