/**
 * The S3 driver's conditional create (`If-None-Match: *`) against a server
 * that honours it (the harness's S3 server, see s3-server.ts): the race it
 * exists for — two writers of the same WAL segment name with different
 * content, both past the driver's existence check — has exactly one winner;
 * the other is refused and nothing is replaced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, PROJECT_ROOT, runBuiltCli } from '../../harness/cli.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import { openStorage } from '../../../src/storage/open-storage.js';

const SEGMENT = '000000010000000000000042';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('S3 conditional create (If-None-Match) on a server that honours it', () => {
  let s3: S3Server;
  let work: string;

  beforeAll(async () => {
    s3 = await startS3Server(['race']);
    work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-s3-race-'));
  });
  afterAll(async () => s3?.stop());

  it('the server refuses a second create of an existing key with 412, and keeps the first', async () => {
    const storage = openStorage(s3.storageUrl('race', 'direct'), { env: s3.env });
    Object.assign(process.env, s3.env);
    try {
      const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
      const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY! } });
      await client.send(new PutObjectCommand({ Bucket: 'race', Key: 'direct/k', Body: 'first', IfNoneMatch: '*' }));
      const second = await client.send(new PutObjectCommand({ Bucket: 'race', Key: 'direct/k', Body: 'second', IfNoneMatch: '*' })).catch((e: unknown) => e);
      expect(second).toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      const body = await storage.get('k');
      let text = '';
      for await (const chunk of body) text += String(chunk);
      expect(text).toBe('first');
      client.destroy();
    } finally {
      await storage.close();
    }
  });

  it('two wal-push of one segment name with different content, both past the existence check: exactly one is stored, the other exits 1 (WAL_EXISTS_DIFFERENT)', async () => {
    const url = `s3://race/wal-race?forcePathStyle=true&region=us-east-1`;
    const env = { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint };
    const files = await Promise.all(['a', 'b'].map(async (who) => {
      const dir = path.join(work, who);
      await execa('mkdir', ['-p', dir]);
      const file = path.join(dir, SEGMENT);
      await writeFile(file, randomBytes(1024 * 1024));
      return file;
    }));
    const resume = path.join(work, 'go');
    const refusedBefore = s3.preconditionFailures();
    // Both writers pause when their upload's first bytes are ready, after the driver found no object under the key.
    const writers = files.map((file) => {
      const child = execa(process.execPath, [CLI, 'wal-push', file, '--storage', url, '--json'], {
        cwd: PROJECT_ROOT,
        env: { ...env, DBROLLBACK_PAUSE_AT: 'wal-push:upload', DBROLLBACK_PAUSE_RESUME_FILE: resume, NODE_NO_WARNINGS: '1' },
        reject: false,
      });
      let stderr = '';
      const paused = new Promise<void>((resolve) => child.stderr!.on('data', (c: Buffer) => ((stderr += c.toString()), stderr.includes('paused at wal-push:upload') && resolve())));
      return { child, paused };
    });
    await Promise.all(writers.map((w) => w.paused));
    // Their existence checks (HEAD) are done by now; let both uploads go at once.
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(resume)).toBe(false);
    await writeFile(resume, '');
    const results = await Promise.all(writers.map((w) => w.child));
    const codes = results.map((r) => r.exitCode).sort();
    expect(codes, results.map((r) => r.stderr).join('\n')).toEqual([0, 1]);
    const loser = results.find((r) => r.exitCode === 1)!;
    expect(JSON.parse(String(loser.stdout))).toMatchObject({ ok: false, error: { code: 'WAL_EXISTS_DIFFERENT' } });
    // The server decided it: one conditional create was refused.
    expect(s3.preconditionFailures() - refusedBefore).toBe(1);
    // What is archived is the winner's file, byte for byte.
    const winner = files[results.findIndex((r) => r.exitCode === 0)]!;
    const dest = path.join(work, 'fetched');
    const fetched = await runBuiltCli(['wal-fetch', SEGMENT, dest, '--storage', url, '--prefetch', '0'], { env });
    expect(fetched.exitCode, fetched.stderr).toBe(0);
    expect(sha(await readFile(dest))).toBe(sha(await readFile(winner)));
  });
});
