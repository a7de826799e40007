/**
 * Backups and restores that run out of a resource halfway: a full disk under
 * file storage, a full temp directory under a parallel restore's download,
 * and the S3 server dying while a restore downloads the dump. Each must fail
 * with exit 1 and a message naming the storage, leaving nothing usable and
 * nothing half-written behind.
 *
 * The full disks are real: small tmpfs mounts, which need root. Without root
 * (or when mount is refused) those cases are skipped, loudly.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup, resolveConfig, restore } from '../../../src/index.js';
import { runBuiltCli } from '../../harness/cli.js';
import { isRoot, startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';
import { runOf } from '../../harness/runs.js';
import { startS3Server } from '../../harness/s3-server.js';

const run = promisify(execFile);
const MIB = 1024 * 1024;

/** A tmpfs of `size` on a fresh temp directory, or null (with a loud warning) when it cannot be mounted. */
async function mountTmpfs(size: string): Promise<string | null> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-full-'));
  if (!isRoot()) {
    console.warn(`\n!!! SKIPPING the disk-full cases: mounting a ${size} tmpfs needs root\n`);
    await rm(dir, { recursive: true, force: true });
    return null;
  }
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'tmpfs', dir]);
    return dir;
  } catch (err) {
    console.warn(`\n!!! SKIPPING the disk-full cases: mount -t tmpfs failed: ${(err as Error).message}\n`);
    await rm(dir, { recursive: true, force: true });
    return null;
  }
}

async function unmount(dir: string | null): Promise<void> {
  if (!dir) return;
  await run('umount', [dir]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/** Every entry under a directory, hidden ones included (a temp file left behind must show). */
async function entriesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.sort();
}

const full = { storage: await mountTmpfs('2m'), temp: await mountTmpfs('1m') };

let cluster: Cluster;
let big: string;

beforeAll(async () => {
  cluster = await startCluster();
  big = uniqueName('big');
  await cluster.createDatabase(big);
  // ~6 MB of incompressible data: a dump that fits in neither tmpfs.
  await cluster.sql(big, `
    CREATE TABLE blobs (id int PRIMARY KEY, b bytea);
    INSERT INTO blobs SELECT i, (SELECT decode(string_agg(md5(random()::text || i || j), ''), 'hex') FROM generate_series(1, 2048) j)
      FROM generate_series(1, 180) i;`);
});

afterAll(async () => {
  await cluster?.stop();
  await unmount(full.storage);
  await unmount(full.temp);
});

async function databaseExists(name: string): Promise<boolean> {
  return (await cluster.sql('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
}

describe.skipIf(!full.storage)('file storage on a full disk', () => {
  it('backup exits 1 naming the storage and the lack of space, and leaves no backup and no file behind', async () => {
    const dir = full.storage!;
    const made = await runBuiltCli(['backup', '--database-url', cluster.url(big), '--storage', dir]);
    expect(made.exitCode).toBe(1);
    expect(made.stderr).toContain(dir);
    expect(made.stderr).toMatch(/ENOSPC|no space left/i);

    const listed = await runBuiltCli(['backups', '--storage', dir, '--json']);
    expect(listed.exitCode).toBe(0);
    const { backups } = listed.json<{ backups: { status: string }[] }>();
    expect(backups.filter((b) => b.status === 'complete')).toEqual([]);
    // Neither a dump under its final name nor a temp file: the space is given back.
    const entries = await entriesUnder(dir);
    expect(entries.filter((e) => e.startsWith('backups/') && e.split('/').length > 2)).toEqual([]);
    expect(entries.filter((e) => e.includes('.dbrollback-tmp-'))).toEqual([]);
  });
});

describe.skipIf(!full.temp)('a parallel restore whose temp directory fills up', () => {
  it('restore --jobs 2 exits 1 naming the temp directory, creates no database and leaves the temp directory empty', async () => {
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-store-'));
    try {
      const made = await runBuiltCli(['backup', '--database-url', cluster.url(big), '--storage', storage]);
      expect(made.exitCode).toBe(0);
      const id = made.stdout.trim();

      const target = uniqueName('full_temp');
      const restored = await runBuiltCli(['restore', '--database-url', cluster.url(big), '--storage', storage, '--backup', id, '--target-database', cluster.url(target), '--jobs', '2', '--temp-dir', full.temp!]);
      expect(restored.exitCode).toBe(1);
      expect(restored.stderr).toContain(full.temp!);
      expect(restored.stderr).toMatch(/ENOSPC|no space left/i);
      expect(await databaseExists(target)).toBe(false);
      expect(await entriesUnder(full.temp!)).toEqual([]);
    } finally {
      await rm(storage, { recursive: true, force: true });
    }
  });
});

describe('the S3 server dying during a restore download', () => {
  it.each([
    { mode: 'to a temp file (--jobs 2)', jobs: 2 },
    { mode: 'streamed into pg_restore (--jobs 1)', jobs: 1 },
  ])('$mode: restore fails naming the storage, and the database it created is dropped', async ({ jobs }) => {
    const s3 = await startS3Server(['dying']);
    const savedEnv = { ...process.env };
    Object.assign(process.env, s3.env);
    try {
      const config = await resolveConfig({ databaseUrl: cluster.url(big), storage: s3.storageUrl('dying', 'x') }, { env: {} });
      const { manifest } = await backup(runOf(config));
      expect(manifest.sizeBytes).toBeGreaterThan(2 * MIB);

      const target = uniqueName('s3_dies');
      let killed = false;
      const report = await restore(runOf(config), {
        backup: manifest.id,
        targetDatabase: cluster.url(target),
        jobs,
        onProgress: (e) => {
          if (!killed && e.kind === 'transfer' && e.phase === 'download') {
            killed = true;
            void s3.kill();
          }
        },
      });
      expect(killed).toBe(true);
      expect(report.ok).toBe(false);
      expect(report.error).toMatchObject({ exitCode: 1 });
      expect(report.error!.message).toContain('s3://dying/x');
      expect(report.error!.message).toMatch(/reading it from .* broke off/);
      expect(await databaseExists(target)).toBe(false);
    } finally {
      process.env = savedEnv;
      await s3.stop();
    }
  });
});
