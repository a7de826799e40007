/**
 * The S3 driver against a real S3-protocol server (s3rver on loopback):
 * multipart streaming, and each way a bad configuration fails — with the
 * right code, before anything is written.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
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

  it('sends the server-side encryption headers on every upload (sse=AES256, sse=aws:kms with kmsKeyId)', async () => {
    process.env = { ...savedEnv, ...s3.env };
    // s3rver ignores SSE, so what the server receives is seen through a recording proxy in front of it.
    const proxy = await recordingProxy(s3.port);
    try {
      const base = `s3://bucket-a/sse?endpoint=${encodeURIComponent(proxy.endpoint)}&forcePathStyle=true`;
      const aes = openStorage(`${base}&sse=AES256`);
      await expect(aes.put('k', 'v')).resolves.toMatchObject({ size: 1, created: true });
      await aes.close();
      const kms = openStorage(`${base}&sse=aws:kms&kmsKeyId=alias/backups`);
      await kms.put('big', randomBytes(11 * 1024 * 1024), { expectedSize: 11 * 1024 * 1024 });
      await kms.close();
      const puts = proxy.requests.filter((r) => r.method === 'PUT' || (r.method === 'POST' && r.url.includes('uploads')));
      const aesPut = puts.find((r) => r.url.includes('/sse/k'));
      expect(aesPut?.headers['x-amz-server-side-encryption']).toBe('AES256');
      // The multipart upload is created with the KMS settings (its parts inherit them).
      const kmsCreate = puts.find((r) => r.url.includes('/sse/big') && r.method === 'POST');
      expect(kmsCreate?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(kmsCreate?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/backups');
    } finally {
      await proxy.close();
    }
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

/** A loopback HTTP proxy to s3rver that records each request's method, URL and headers. */
async function recordingProxy(targetPort: number): Promise<{ endpoint: string; requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>; close(): Promise<void> }> {
  const requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
