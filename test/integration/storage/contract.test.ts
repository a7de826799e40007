/**
 * The storage contract, run against every driver: a real S3-protocol server
 * (s3rver on loopback), a real directory, and memory.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../../src/storage/contract.js';
import { memoryStorage } from '../../../src/storage/memory.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import { encryptedStorage } from '../../../src/storage/encrypted.js';
import type { EncryptionKey } from '../../../src/storage/encryption-key.js';

const KEY: EncryptionKey = { kind: 'key', key: Buffer.alloc(32, 9), source: 'test' };
const PASSPHRASE: EncryptionKey = { kind: 'passphrase', passphrase: 'correct horse battery staple', source: 'test' };
import { startS3Server, type S3Server } from '../../harness/s3-server.js';

let s3: S3Server;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3Server(['contract']);
  Object.assign(process.env, s3.env);
  dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-storage-'));
});

afterAll(async () => {
  process.env = savedEnv;
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const drivers: Array<[string, () => Storage]> = [
  ['s3', () => openStorage(s3.storageUrl('contract', `run${++n}`))],
  ['file', () => openStorage(`file://${dir}/run${++n}`)],
  ['memory', () => memoryStorage(`run${++n}`)],
  // The encryption wrapper keeps the contract over plaintext, on every driver.
  ['s3 encrypted', () => openStorage(s3.storageUrl('contract', `run${++n}`), { encryption: KEY })],
  ['file encrypted', () => openStorage(`file://${dir}/run${++n}`, { encryption: KEY })],
  ['memory encrypted', () => encryptedStorage(memoryStorage(`run${++n}`), PASSPHRASE)],
];

async function text(storage: Storage, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function failingStream(afterBytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= afterBytes) {
        this.destroy(new Error('source died midway'));
        return;
      }
      sent += 64 * 1024;
      this.push(Buffer.alloc(64 * 1024, 7));
    },
  });
}

describe.each(drivers)('%s storage', (_name, make) => {
  it('stores a stream and gives the same bytes back, with size and sha256', async () => {
    const storage = make();
    await storage.check();
    const put = await storage.put('backups/a/dump.pgcustom', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(put).toMatchObject({ key: 'backups/a/dump.pgcustom', size: 11, created: true });
    expect(put.sha256).toBe('b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
    expect(await text(storage, 'backups/a/dump.pgcustom')).toBe('hello world');
    const info = await storage.stat('backups/a/dump.pgcustom');
    expect(info?.size).toBe(11);
    expect(info?.lastModified).toBeInstanceOf(Date);
    await storage.close();
  });

  it('lists by prefix, sorted, so backups/ and audit/ live side by side', async () => {
    const storage = make();
    for (const key of ['backups/b/manifest.json', 'backups/a/dump.pgcustom', 'audit/2026/run.json', 'backups/a/manifest.json', 'backupsX']) {
      await storage.put(key, key);
    }
    expect((await storage.list('backups/')).map((o) => o.key)).toEqual(['backups/a/dump.pgcustom', 'backups/a/manifest.json', 'backups/b/manifest.json']);
    expect((await storage.list('audit/')).map((o) => o.key)).toEqual(['audit/2026/run.json']);
    expect((await storage.list('backups/a')).map((o) => o.key)).toEqual(['backups/a/dump.pgcustom', 'backups/a/manifest.json']);
    expect((await storage.list('')).length).toBe(5);
    expect(await storage.list('nothing/')).toEqual([]);
    await storage.close();
  });

  it('put is create-only: identical bytes are a no-op, different bytes are refused and the original kept', async () => {
    const storage = make();
    await storage.put('backups/x/manifest.json', '{"a":1}');
    const again = await storage.put('backups/x/manifest.json', '{"a":1}');
    expect(again.created).toBe(false);
    await expect(storage.put('backups/x/manifest.json', '{"a":2}')).rejects.toMatchObject({ code: 'STORAGE_OBJECT_EXISTS' });
    expect(await text(storage, 'backups/x/manifest.json')).toBe('{"a":1}');
    await storage.close();
  });

  it('a source that fails midway leaves no object under the key', async () => {
    const storage = make();
    await expect(storage.put('backups/f/dump.pgcustom', failingStream(1024 * 1024))).rejects.toThrow(/source died midway/);
    expect(await storage.stat('backups/f/dump.pgcustom')).toBeNull();
    expect(await storage.list('backups/f')).toEqual([]);
    await storage.close();
  });

  it('get of a missing object is STORAGE_OBJECT_NOT_FOUND; stat is null; delete is idempotent', async () => {
    const storage = make();
    await expect(storage.get('backups/none/dump.pgcustom')).rejects.toMatchObject({ code: 'STORAGE_OBJECT_NOT_FOUND' });
    expect(await storage.stat('backups/none/dump.pgcustom')).toBeNull();
    await storage.put('backups/d/x', 'x');
    await storage.delete('backups/d/x');
    await storage.delete('backups/d/x');
    expect(await storage.stat('backups/d/x')).toBeNull();
    await storage.close();
  });

  it.each([['../escape'], ['backups/../../etc/passwd'], ['/absolute'], ['a//b'], ['bad\u0001key'], ['line\nbreak'], [''], ['trailing/']])(
    'rejects the key %j before touching anything',
    async (key) => {
      const storage = make();
      await expect(storage.put(key, 'x')).rejects.toMatchObject({ code: 'STORAGE_KEY_INVALID' });
      await expect(storage.get(key)).rejects.toMatchObject({ code: 'STORAGE_KEY_INVALID' });
      await expect(storage.stat(key)).rejects.toMatchObject({ code: 'STORAGE_KEY_INVALID' });
      await expect(storage.delete(key)).rejects.toMatchObject({ code: 'STORAGE_KEY_INVALID' });
      await storage.close();
    },
  );

  it('rejects a listing prefix that escapes', async () => {
    const storage = make();
    await expect(storage.list('../')).rejects.toMatchObject({ code: 'STORAGE_KEY_INVALID' });
    await storage.close();
  });
});

describe('file storage specifics', () => {
  it('leaves no temp file behind after a failed write, and none is listed', async () => {
    const root = path.join(dir, 'tmpcheck');
    const storage = openStorage(root);
    await storage.put('backups/t/ok', 'ok');
    await expect(storage.put('backups/t/dump', failingStream(256 * 1024))).rejects.toThrow();
    expect(await readdir(path.join(root, 'backups', 't'))).toEqual(['ok']);
  });

  it('deleting the last object of a backup removes its directory', async () => {
    const root = path.join(dir, 'rmdir');
    const storage = openStorage(root);
    await storage.put('backups/gone/manifest.json', '{}');
    await storage.delete('backups/gone/manifest.json');
    expect(await readdir(path.join(root, 'backups')).catch(() => [])).toEqual([]);
  });
});
