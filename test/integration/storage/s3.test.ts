/**
 * The S3 driver against a real S3-protocol server (s3rver on loopback):
 * multipart streaming, and each way a bad configuration fails — with the
 * right code, before anything is written.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';
import { digestOf } from '../../../src/storage/digest.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import { freePort } from '../../harness/cluster.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';

let s3: S3Server;
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3Server(['bucket-a']);
});
afterEach(() => {
  process.env = { ...savedEnv, ...s3.env };
});
afterAll(async () => {
  process.env = savedEnv;
  await s3?.stop();
});

describe('s3 storage', () => {
  it('streams an object over several multipart parts and reads back the same bytes', async () => {
    process.env = { ...savedEnv, ...s3.env };
    const storage = openStorage(s3.storageUrl('bucket-a', 'multi'), { partSize: 5 * 1024 * 1024 });
    const data = randomBytes(12 * 1024 * 1024 + 123);
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    let progress = 0;
    const put = await storage.put('backups/m/dump.pgcustom', Readable.from(chunks), { onProgress: (b) => (progress = b) });
    expect(put.size).toBe(data.length);
    expect(put.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(progress).toBe(data.length);
    const back = await digestOf(await storage.get('backups/m/dump.pgcustom'));
    expect(back).toEqual({ sha256: put.sha256, size: data.length });
    await storage.close();
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_S3 when the URL has none', async () => {
    process.env = { ...savedEnv, ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint };
    const storage = openStorage('s3://bucket-a/env?forcePathStyle=true');
    await storage.check();
    await storage.put('x', 'y');
    expect((await storage.list('')).map((o) => o.key)).toEqual(['x']);
    await storage.close();
  });

  it('passes server-side encryption settings through (sse=AES256)', async () => {
    process.env = { ...savedEnv, ...s3.env };
    const storage = openStorage(`${s3.storageUrl('bucket-a', 'sse')}&sse=AES256`);
    await expect(storage.put('k', 'v')).resolves.toMatchObject({ size: 1, created: true });
    await storage.close();
  });

  it('an unreachable endpoint fails the check with STORAGE_UNREACHABLE (exit 1)', async () => {
    process.env = { ...savedEnv, ...s3.env };
    const port = await freePort();
    const storage = openStorage(`s3://bucket-a/p?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&forcePathStyle=true`);
    const err = await storage.check().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_UNREACHABLE' });
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect(ERROR_CODES.STORAGE_UNREACHABLE).toBe(1);
  });

  it('missing credentials fail the check with STORAGE_CREDENTIALS_MISSING (exit 2)', async () => {
    const env = { ...savedEnv };
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[k];
    process.env = { ...env, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config', AWS_EC2_METADATA_DISABLED: 'true' };
    const storage = openStorage(s3.storageUrl('bucket-a', 'nocreds'));
    const err = await storage.check().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_CREDENTIALS_MISSING' });
    expect((err as { hint: string }).hint).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(ERROR_CODES.STORAGE_CREDENTIALS_MISSING).toBe(2);
  });

  it('wrong credentials are STORAGE_ACCESS_DENIED', async () => {
    process.env = { ...savedEnv, AWS_ACCESS_KEY_ID: 'WRONG', AWS_SECRET_ACCESS_KEY: 'WRONG' };
    const storage = openStorage(s3.storageUrl('bucket-a', 'denied'));
    await expect(storage.check()).rejects.toMatchObject({ code: 'STORAGE_ACCESS_DENIED' });
  });

  it('a bucket that does not exist is STORAGE_BUCKET_NOT_FOUND', async () => {
    process.env = { ...savedEnv, ...s3.env };
    const storage = openStorage(s3.storageUrl('no-such-bucket', 'x'));
    await expect(storage.check()).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
  });
});
