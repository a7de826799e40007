/**
 * Client-side encryption against real storage (a directory and s3rver on
 * loopback): what lands in the storage is unreadable, and every way of
 * damaging or replacing an object is refused before its content is used.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../../src/storage/contract.js';
import { CHUNK_SIZE, HEADER_BYTES, TAG_BYTES, TRAILER_BYTES } from '../../../src/storage/encryption-format.js';
import type { EncryptionKey } from '../../../src/storage/encryption-key.js';
import { fileStorage } from '../../../src/storage/file.js';
import { openStorage, parseS3Url } from '../../../src/storage/open-storage.js';
import { s3Storage } from '../../../src/storage/s3.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';

const KEY: EncryptionKey = { kind: 'key', key: randomBytes(32), source: 'DBROLLBACK_ENCRYPTION_KEY' };
const OTHER_KEY: EncryptionKey = { kind: 'key', key: randomBytes(32), source: 'DBROLLBACK_ENCRYPTION_KEY' };
const PASSPHRASE: EncryptionKey = { kind: 'passphrase', passphrase: 'a long enough passphrase', source: 'DBROLLBACK_ENCRYPTION_PASSPHRASE' };
const FULL = CHUNK_SIZE + TAG_BYTES;

let s3: S3Server;
let dir: string;
const savedEnv = { ...process.env };
beforeAll(async () => {
  s3 = await startS3Server(['enc']);
  Object.assign(process.env, s3.env);
  dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-enc-'));
});
afterAll(async () => {
  process.env = savedEnv;
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** The same location twice: through the wrapper, and as raw bytes (the driver itself). */
const locations: Array<[string, () => { url: string; raw: Storage }]> = [
  ['file', () => {
    const url = `file://${dir}/run${++n}`;
    return { url, raw: fileStorage(`${dir}/run${n}`) };
  }],
  ['s3', () => {
    const url = s3.storageUrl('enc', `run${++n}`);
    return { url, raw: s3Storage(parseS3Url(url)) };
  }],
];

async function bytesOf(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function replaceRaw(raw: Storage, key: string, bytes: Buffer): Promise<void> {
  await raw.delete(key);
  await raw.put(key, bytes);
}

/** Three full chunks and a partial one: a marker in each, so a leak of any chunk would show. */
function plaintext(): Buffer {
  const marker = Buffer.from('SECRET-ROW alice@example.com INSERT INTO customers ');
  const out = Buffer.alloc(3 * CHUNK_SIZE + 1234);
  for (let at = 0; at < out.length; at += marker.length) marker.copy(out, at);
  return out;
}

describe.each(locations)('encrypted %s storage', (_name, where) => {
  it('round-trips a multi-chunk object; the stored bytes hold none of the plaintext; sizes and sha256 are the plaintext\'s', async () => {
    const { url, raw } = where();
    const storage = openStorage(url, { encryption: KEY });
    const data = plaintext();
    const put = await storage.put('backups/a/dump.pgcustom', data);
    expect(put.size).toBe(data.length);
    expect(put.sha256).toBe((await import('node:crypto')).createHash('sha256').update(data).digest('hex'));
    expect((await bytesOf(storage, 'backups/a/dump.pgcustom')).equals(data)).toBe(true);
    expect((await storage.stat('backups/a/dump.pgcustom'))?.size).toBe(data.length);
    expect((await storage.list('backups/'))[0]?.size).toBe(data.length);

    const stored = await bytesOf(raw, 'backups/a/dump.pgcustom');
    expect(stored.length).toBe(HEADER_BYTES + data.length + 4 * TAG_BYTES + TRAILER_BYTES);
    expect(stored.includes(Buffer.from('SECRET-ROW'))).toBe(false);
    expect(stored.includes(Buffer.from('alice@example.com'))).toBe(false);
  });

  it('refuses a flipped byte anywhere: header, key id, nonce, each chunk, tag, trailer', async () => {
    const { url, raw } = where();
    const storage = openStorage(url, { encryption: KEY });
    const data = plaintext();
    await storage.put('backups/b/dump.pgcustom', data);
    const good = await bytesOf(raw, 'backups/b/dump.pgcustom');
    const positions = [0, 8, 12, 20, 33, 45, HEADER_BYTES, HEADER_BYTES + 100, HEADER_BYTES + FULL - 1, HEADER_BYTES + FULL + 7, HEADER_BYTES + 3 * FULL + 5, good.length - TRAILER_BYTES + 3, good.length - 1];
    for (const at of positions) {
      const bad = Buffer.from(good);
      bad[at] = bad[at]! ^ 0x01;
      await replaceRaw(raw, 'backups/b/dump.pgcustom', bad);
      const error = await bytesOf(storage, 'backups/b/dump.pgcustom').then(() => null, (e: unknown) => e);
      expect(error, `flipped byte ${at}`).toMatchObject({ code: expect.stringMatching(/^(OBJECT_NOT_AUTHENTIC|ENCRYPTION_KEY_WRONG)$/) });
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });

  it('refuses a truncated object (mid-chunk, at a chunk boundary, without its trailer, header only) and one with bytes appended', async () => {
    const { url, raw } = where();
    const storage = openStorage(url, { encryption: KEY });
    await storage.put('backups/c/dump.pgcustom', plaintext());
    const good = await bytesOf(raw, 'backups/c/dump.pgcustom');
    const variants = [
      good.subarray(0, HEADER_BYTES + FULL + 100),
      good.subarray(0, HEADER_BYTES + 2 * FULL),
      good.subarray(0, good.length - TRAILER_BYTES),
      good.subarray(0, HEADER_BYTES),
      good.subarray(0, 10),
      Buffer.concat([good, Buffer.from('x')]),
    ];
    for (const bad of variants) {
      await replaceRaw(raw, 'backups/c/dump.pgcustom', bad);
      await expect(bytesOf(storage, 'backups/c/dump.pgcustom'), `${bad.length} bytes`).rejects.toMatchObject({ code: 'OBJECT_NOT_AUTHENTIC' });
    }
  });

  it('refuses reordered chunks and an intact object copied under another key', async () => {
    const { url, raw } = where();
    const storage = openStorage(url, { encryption: KEY });
    await storage.put('backups/d/dump.pgcustom', plaintext());
    const good = await bytesOf(raw, 'backups/d/dump.pgcustom');
    const c1 = good.subarray(HEADER_BYTES, HEADER_BYTES + FULL);
    const c2 = good.subarray(HEADER_BYTES + FULL, HEADER_BYTES + 2 * FULL);
    const swapped = Buffer.concat([good.subarray(0, HEADER_BYTES), c2, c1, good.subarray(HEADER_BYTES + 2 * FULL)]);
    await replaceRaw(raw, 'backups/d/dump.pgcustom', swapped);
    await expect(bytesOf(storage, 'backups/d/dump.pgcustom')).rejects.toMatchObject({ code: 'OBJECT_NOT_AUTHENTIC' });

    await raw.put('backups/e/dump.pgcustom', good);
    await expect(storage.get('backups/e/dump.pgcustom')).rejects.toMatchObject({ code: 'OBJECT_NOT_AUTHENTIC' });
  });

  it('refuses a planted unencrypted object at get(), before any byte is handed over', async () => {
    const { url, raw } = where();
    const storage = openStorage(url, { encryption: KEY });
    await raw.put('backups/p/dump.pgcustom', Buffer.concat([Buffer.from('PGDMP'), randomBytes(5000)]));
    await expect(storage.get('backups/p/dump.pgcustom')).rejects.toMatchObject({ code: 'OBJECT_NOT_AUTHENTIC', message: expect.stringMatching(/not an encrypted dbrollback object/) });
  });

  it('a wrong key, a passphrase where a key was used, and no key at all are exit-2 errors that say which', async () => {
    const { url } = where();
    await openStorage(url, { encryption: KEY }).put('audit/run.json', '{"secret":"row"}');
    await expect(openStorage(url, { encryption: OTHER_KEY }).get('audit/run.json')).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_WRONG', exitCode: 2, message: expect.stringMatching(/another key \(key id [0-9a-f]{16}/) });
    await expect(openStorage(url, { encryption: PASSPHRASE }).get('audit/run.json')).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_WRONG', message: expect.stringMatching(/encrypted with a raw key, but DBROLLBACK_ENCRYPTION_PASSPHRASE is configured/) });
    await expect(openStorage(url).get('audit/run.json')).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_MISSING', exitCode: 2 });
  });

  it('a passphrase round-trips (scrypt salt in the header), and another passphrase is refused', async () => {
    const { url } = where();
    await openStorage(url, { encryption: PASSPHRASE }).put('backups/s/manifest.json', '{"id":"s"}');
    expect((await bytesOf(openStorage(url, { encryption: PASSPHRASE }), 'backups/s/manifest.json')).toString()).toBe('{"id":"s"}');
    const other: EncryptionKey = { kind: 'passphrase', passphrase: 'another long passphrase', source: 'DBROLLBACK_ENCRYPTION_PASSPHRASE' };
    await expect(openStorage(url, { encryption: other }).get('backups/s/manifest.json')).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_WRONG', message: expect.stringMatching(/another passphrase/) });
  });

  it('create-only over plaintext: the same content again is created:false, other content is refused', async () => {
    const { url } = where();
    const storage = openStorage(url, { encryption: KEY });
    const first = await storage.put('backups/m/manifest.json', '{"a":1}');
    const again = await openStorage(url, { encryption: KEY }).put('backups/m/manifest.json', '{"a":1}');
    expect(again).toMatchObject({ created: false, sha256: first.sha256, size: 7 });
    await expect(storage.put('backups/m/manifest.json', '{"a":2}')).rejects.toMatchObject({ code: 'STORAGE_OBJECT_EXISTS' });
    expect((await bytesOf(storage, 'backups/m/manifest.json')).toString()).toBe('{"a":1}');
  });
});

describe('passphrase storage', () => {
  it('every object written after the first run shares the key-check object\'s scrypt salt (one derivation reads them all)', async () => {
    const url = `file://${dir}/salt`;
    await openStorage(url, { encryption: PASSPHRASE }).put('audit/run1.json', '{"run":1}');
    await openStorage(url, { encryption: PASSPHRASE }).put('audit/run2.json', '{"run":2}');
    const raw = fileStorage(`${dir}/salt`);
    const salts = new Set<string>();
    for (const k of ['dbrollback-encryption-key-check', 'audit/run1.json', 'audit/run2.json']) salts.add((await bytesOf(raw, k)).subarray(16, 32).toString('hex'));
    expect(salts.size).toBe(1);
    expect((await openStorage(url, { encryption: PASSPHRASE }).list('')).map((o) => o.key)).toEqual(['audit/run1.json', 'audit/run2.json']);
  });
});
