/**
 * Backups that must fail cleanly: the S3 server dying mid-upload, and bad
 * storage settings — each with a clear message, the right exit code and
 * nothing written. Plus a dump large enough to need several multipart parts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup, resolveConfig, restore, type ProgressEvent } from '../../../src/index.js';
import { freePort, startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import { cli, filesUnder } from './support.js';
import { runOf } from '../../harness/runs.js';

const MIB = 1024 * 1024;
let cluster: Cluster;
let big: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  cluster = await startCluster();
  delete process.env.DATABASE_URL;
  delete process.env.DBROLLBACK_STORAGE;
  big = uniqueName('big');
  await cluster.createDatabase(big);
  // ~13 MB of incompressible data: a dump of several 5 MiB parts.
  await cluster.sql(big, `
    CREATE TABLE blobs (id int PRIMARY KEY, b bytea);
    INSERT INTO blobs SELECT i, (SELECT decode(string_agg(md5(random()::text || i || j), ''), 'hex') FROM generate_series(1, 2048) j)
      FROM generate_series(1, 400) i;`);
});

afterAll(async () => {
  process.env = savedEnv;
  await cluster?.stop();
});

describe('multipart dumps', () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server(['parts']);
    Object.assign(process.env, s3.env);
  });
  afterAll(async () => s3?.stop());

  it('a dump over several 5 MiB parts round-trips: backup → restore → identical fingerprints', async () => {
    const storage = s3.storageUrl('parts', 'multi');
    const config = await resolveConfig({ databaseUrl: cluster.url(big), storage }, { env: {} });
    const events: ProgressEvent[] = [];
    const { manifest } = await backup(runOf(config, { storageOptions: { partSize: 5 * MIB } }), { onProgress: (e) => events.push(e) });
    expect(manifest.sizeBytes).toBeGreaterThan(2 * 5 * MIB);
    expect(manifest.verified).toBe(true);
    const uploads = events.filter((e) => e.kind === 'transfer' && e.phase === 'upload');
    expect(uploads.at(-1)).toMatchObject({ bytes: manifest.sizeBytes, done: true });
    // Table data read is measured against the tables' own sizes, never the compressed output.
    const [heap] = await cluster.sql<{ n: string }>(big, "SELECT pg_table_size('public.blobs')::text AS n");
    const dumped = events.filter((e) => e.kind === 'tables' && e.phase === 'dump');
    expect(dumped.at(-1)).toMatchObject({ unit: 'bytes', total: Number(heap!.n), done: Number(heap!.n), tablesTotal: 1, finished: true });
    const target = uniqueName('multi');
    const restoredEvents: ProgressEvent[] = [];
    const r = await restore(runOf(config), { backup: manifest.id, targetDatabase: cluster.url(target), jobs: 2, onProgress: (e) => restoredEvents.push(e) });
    expect(restoredEvents.filter((e) => e.kind === 'tables').at(-1)).toMatchObject({ phase: 'restore', unit: 'rows', total: manifest.tables[0]!.rows, finished: true });
    expect(r.ok).toBe(true);
    expect(r.verify?.checks.find((c) => c.id === 'fingerprints')).toMatchObject({ status: 'pass' });
  });
});

describe('an upload that fails midway', () => {
  it('the S3 server dying mid-stream: exit 1 with a clear message, no manifest, pg_dump stopped', async () => {
    const s3 = await startS3Server(['dying']);
    Object.assign(process.env, s3.env);
    try {
      const config = await resolveConfig({ databaseUrl: cluster.url(big), storage: s3.storageUrl('dying', 'x') }, { env: {} });
      let killed = false;
      // pg_dump runs as application_name dbrollback-dump-<backup id>: this is how the server sees it.
      const dumpers = () => cluster.sql('postgres', "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'dbrollback-dump-%'", [big]);
      let whileDumping: Promise<unknown[]> | undefined;
      const err = await backup(runOf(config, { storageOptions: { partSize: 5 * MIB } }), {
        onProgress: (p) => {
          if (!whileDumping && p.kind === 'transfer' && p.phase === 'upload' && p.bytes > 1 * MIB) whileDumping = dumpers();
          if (!killed && p.kind === 'transfer' && p.phase === 'upload' && p.bytes > 6 * MIB) {
            killed = true;
            void s3.kill();
          }
        },
      }).catch((e: unknown) => e);
      expect(killed).toBe(true);
      // The check below can see pg_dump: it did, while the dump was streaming.
      expect(await whileDumping).toHaveLength(1);
      expect(err).toMatchObject({ code: 'BACKUP_FAILED', exitCode: 1 });
      expect((err as Error).message).toMatch(/failed during the dump upload: .*No manifest was written: this backup is incomplete and will never be used/s);
      expect((await filesUnder(s3.directory)).filter((f) => f.includes('manifest.json'))).toEqual([]);
      // pg_dump was stopped: no backend of ours is still dumping the database.
      // Its backend goes away as soon as the server notices the client is gone.
      const deadline = Date.now() + 10_000;
      while ((await dumpers()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await dumpers()).toHaveLength(0);
    } finally {
      await s3.stop();
    }
  });
});

describe('bad storage settings: clear message, right exit code, nothing written', () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server(['real']);
  });
  afterAll(async () => s3?.stop());

  const run = (storage: string, env: NodeJS.ProcessEnv = { ...savedEnv, ...s3.env }) => {
    process.env = env;
    return cli(['backup', '--database-url', cluster.url(big), '--storage', storage, '--json']).finally(() => {
      process.env = { ...savedEnv };
    });
  };

  it('unknown scheme ftp:// → exit 2 STORAGE_URL_INVALID', async () => {
    const r = await run('ftp://host/backups');
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'STORAGE_URL_INVALID', message: expect.stringMatching(/unknown scheme "ftp:\/\/"/) } });
  });

  it('empty bucket name → exit 2 STORAGE_URL_INVALID', async () => {
    const r = await run('s3:///prefix');
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ error: { code: 'STORAGE_URL_INVALID', message: expect.stringMatching(/bucket name is empty/) } });
  });

  it('unreachable endpoint → exit 1 STORAGE_UNREACHABLE naming the endpoint', async () => {
    const port = await freePort();
    const r = await run(`s3://real/x?endpoint=http://127.0.0.1:${port}&forcePathStyle=true`);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ error: { code: 'STORAGE_UNREACHABLE', message: expect.stringContaining(`127.0.0.1:${port}`) } });
  });

  it('missing credentials → exit 2 STORAGE_CREDENTIALS_MISSING, nothing in the bucket', async () => {
    const env: NodeJS.ProcessEnv = { ...savedEnv, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/c', AWS_CONFIG_FILE: '/nonexistent/f', AWS_EC2_METADATA_DISABLED: 'true' };
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[k];
    const r = await run(s3.storageUrl('real', 'nocreds'), env);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ error: { code: 'STORAGE_CREDENTIALS_MISSING' } });
    expect((await filesUnder(path.join(s3.directory, 'real'))).filter((f) => f.includes('nocreds'))).toEqual([]);
  });

  it('a storage that fails its check is what is reported, at once, while the database does not answer (checked beside the snapshot)', async () => {
    // A server that accepts connections and never says a word: the snapshot's connection waits on it.
    const silent = net.createServer((socket) => sockets.push(socket));
    const sockets: net.Socket[] = [];
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-not-a-dir-'));
    try {
      await writeFile(path.join(dir, 'file'), '');
      process.env = { ...savedEnv };
      const started = Date.now();
      const r = await cli(['backup', '--database-url', `postgres://u:secret@127.0.0.1:${(silent.address() as net.AddressInfo).port}/db`, '--storage', `file://${dir}/file`, '--json']);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(r.code).toBe(2);
      expect(r.json()).toMatchObject({ ok: false, error: { code: 'STORAGE_URL_INVALID', message: expect.stringContaining(`${dir}/file is not a directory`) } });
      expect(await filesUnder(dir)).toEqual(['file']);
    } finally {
      process.env = { ...savedEnv };
      for (const s of sockets) s.destroy();
      silent.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('no storage configured at all → exit 2 naming --storage and DBROLLBACK_STORAGE', async () => {
    process.env = { ...savedEnv };
    const r = await cli(['backup', '--database-url', cluster.url(big)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no backup storage is configured/);
    expect(r.stderr).toMatch(/DBROLLBACK_STORAGE/);
  });
});
