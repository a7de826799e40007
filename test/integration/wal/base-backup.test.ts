/**
 * base-backup through the built CLI on a cluster archiving with wal-push:
 * what it stores, what its manifest says, that it really restores (with the
 * archived WAL), and that a restored cluster's new timeline gets base
 * backups of its own.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { rejection } from '../../harness/fixtures.js';
import { baseBackup } from '../../../src/backup/base/base-backup.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import type { ArchiveHealth } from '../../../src/backup/wal/archive-health.js';
import { loadManifest } from '../../../src/backup/catalog.js';
import { baseTarKey } from '../../../src/backup/layout.js';
import { walChain } from '../../../src/backup/wal/wal-chain.js';
import { walKey } from '../../../src/backup/wal/layout.js';
import { archivingCluster, fileArchive, recoverToEnd, s3Archive, switchWal, type ArchiveTarget, type RestoredCluster } from './support.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server(['base']);
});
afterAll(async () => s3?.stop());

describe.each(['file', 's3'] as const)('base-backup (%s storage)', (kind) => {
  let target: ArchiveTarget;
  let cluster: Cluster;
  let restored: RestoredCluster | undefined;
  let firstId: string | undefined;

  beforeAll(async () => {
    if (kind === 's3') Object.assign(process.env, s3.env);
    target = kind === 'file' ? await fileArchive() : s3Archive(s3, 'base', `b-${Date.now()}`);
    cluster = await archivingCluster(target);
    await cluster.sql('postgres', 'CREATE TABLE accounts AS SELECT i AS id, i * 10 AS balance FROM generate_series(1, 50000) i');
  });
  afterAll(async () => {
    await restored?.stop();
    await cluster?.stop();
  });

  const cli = (args: string[], url = cluster.url()) => runBuiltCli([...args, '--storage', target.url], { env: { ...target.env, DATABASE_URL: url } });
  /** The cluster's first base backup (timeline 1), taken by whichever test needs it first: each test sets up what it needs. */
  const first = async (): Promise<string> => {
    if (firstId === undefined) {
      const r = await cli(['base-backup', '--label', 'nightly']);
      expect(r.exitCode, r.stderr).toBe(0);
      firstId = r.stdout.trim();
    }
    return firstId;
  };

  it('streams a tar with PostgreSQL\'s backup_manifest, waits for its WAL, and writes a manifest of kind "base" last', async () => {
    const firstId = await first();
    expect(firstId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const m = await loadManifest(target.storage, firstId, { kind: 'base' });
    expect(m).toMatchObject({ kind: 'base', label: 'nightly', verified: true, objects: [baseTarKey(firstId)] });
    expect(m.base).toMatchObject({ timeline: 1, walSegmentSize: 16 * 1024 * 1024, tablespaces: [], backupManifestInTar: true });
    expect(m.base!.startWal <= m.base!.stopWal).toBe(true);
    expect(Date.parse(m.base!.stopTime)).toBeGreaterThanOrEqual(Date.parse(m.base!.startTime));
    // The WAL from start to stop is archived: the backup is restorable as of its manifest.
    expect(await target.storage.stat(walKey({ name: m.base!.stopWal, kind: 'segment', timeline: '00000001' }))).not.toBeNull();

    const listed = await cli(['backups', '--json']);
    expect(listed.json<{ backups: Array<{ id: string }> }>().backups.find((b) => b.id === firstId)).toMatchObject({ id: firstId, kind: 'base', status: 'complete', label: 'nightly' });
    const tar = await execa('sh', ['-c', 'tar -tzf -'], { input: await readAll(target.storage.get(baseTarKey(firstId))), encoding: 'utf8' });
    expect(tar.stdout.split('\n')).toEqual(expect.arrayContaining(['backup_label', 'backup_manifest', 'PG_VERSION']));
  });

  it('restores with the archived WAL to a new timeline, where base backups and chains work too', async () => {
    const firstId = await first();
    await cluster.sql('postgres', 'UPDATE accounts SET balance = balance + 1 WHERE id <= 100');
    await switchWal(cluster);
    restored = await recoverToEnd(cluster, target, firstId, target);
    const sql = async (text: string) => {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: restored!.url() });
      await c.connect();
      try {
        return (await c.query(text)).rows;
      } finally {
        await c.end();
      }
    };
    expect(await sql('SELECT count(*)::int AS n, sum(balance)::bigint AS s FROM accounts')).toEqual([{ n: 50000, s: String(50000 * 50001 * 5 + 100) }]);
    expect(await sql('SELECT timeline_id FROM pg_control_checkpoint()')).toEqual([{ timeline_id: 2 }]);

    const r = await cli(['base-backup', '--json'], restored.url());
    expect(r.exitCode, r.stderr).toBe(0);
    const second = (r.json() as { backup: { id: string; base: { timeline: number; startWal: string } } }).backup;
    expect(second.base.timeline).toBe(2);
    expect(second.base.startWal.startsWith('00000002')).toBe(true);

    // From the first backup (timeline 1) across the switch to the newest WAL of timeline 2.
    const m = await loadManifest(target.storage, firstId, { kind: 'base' });
    const chain = await walChain(target.storage, { timeline: 2, fromSegment: m.base!.startWal });
    expect(chain).toMatchObject({ ok: true, timelines: ['00000001', '00000002'] });

    // The archive now holds two timelines; the new one's history file is archived, and PITR to now works from either backup.
    const check = await cli(['backups', '--check', '--json'], restored.url());
    expect(check.exitCode, check.stdout).toBe(0);
    const h = check.json<ArchiveHealth>();
    expect(h.timelines.map((t) => [t.timeline, t.history])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(h.server!.timeline).toBe(2);
    expect(h.baseBackups.map((b) => [b.timeline, b.reachesNow])).toEqual([
      [2, true],
      [1, true],
    ]);
  });

  if (kind === 'file') it('refuses a cluster with an extra tablespace, before anything is stored', async () => {
    const dir = `${cluster.baseDir}/ts`;
    await execa('mkdir', ['-p', dir]);
    if (cluster.osUser) await execa('chown', [`${cluster.osUser}:`, dir]);
    await cluster.sql('postgres', `CREATE TABLESPACE extra LOCATION '${dir}'`);
    try {
      const before = (await target.storage.list('backups/')).length;
      const r = await cli(['base-backup', '--json']);
      expect(r.exitCode).toBe(1);
      expect(r.json()).toMatchObject({ ok: false, error: { code: 'BASE_BACKUP_UNSUPPORTED', message: expect.stringMatching(/tablespaces outside its data directory \(extra\)/) } });
      expect((await target.storage.list('backups/')).length).toBe(before);
    } finally {
      await cluster.sql('postgres', 'DROP TABLESPACE extra');
    }
  });
});

async function readAll(stream: Promise<NodeJS.ReadableStream>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('base-backup whose WAL never reaches the archive', () => {
  let cluster: Cluster;
  afterAll(async () => cluster?.stop());

  it('fails naming the missing segment, and leaves no backup behind (no tar, no manifest)', async () => {
    // archive_command "succeeds" without storing anything: the archive never gets the backup's WAL.
    cluster = await startCluster({ settings: { wal_level: 'replica', archive_mode: 'on', archive_command: "'/bin/true'" } });
    const target = await fileArchive();
    const err = await rejection(baseBackup({ conn: cluster.conn(), storage: target.storage, archiveWaitMs: 1500 }));
    expect(err.code).toBe('BACKUP_FAILED');
    expect(err.message).toMatch(/WAL segment [0-9A-F]{24}, which the backup needs, did not reach .* no manifest was written/);
    expect(await target.storage.list('backups/')).toEqual([]);
  });
});
