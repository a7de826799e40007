/**
 * `backups --check` and `backups prune` on a real archive: two base backups
 * with WAL between and after them, then pruning (WAL goes only with the base
 * backups that needed it) and a hole in the archive (exit 3, named).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { loadManifest } from '../../../src/backup/catalog.js';
import { walKey, walNameOfKey } from '../../../src/backup/wal/layout.js';
import type { ArchiveHealth } from '../../../src/backup/wal/archive-health.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import { archivingCluster, fileArchive, s3Archive, switchWal, waitArchived, type ArchiveTarget } from './support.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server(['health']);
});
afterAll(async () => s3?.stop());

describe.each(['file', 's3'] as const)('archive health and pruning (%s storage)', (kind) => {
  let target: ArchiveTarget;
  let cluster: Cluster;
  let first: string;
  let second: string;

  beforeAll(async () => {
    if (kind === 's3') Object.assign(process.env, s3.env);
    target = kind === 'file' ? await fileArchive() : s3Archive(s3, 'health', `h-${Date.now()}`);
    cluster = await archivingCluster(target);
    await cluster.sql('postgres', 'CREATE TABLE t AS SELECT i FROM generate_series(1, 1000) i');
    first = (await cli(['base-backup'])).stdout.trim();
    await switchWal(cluster);
    await switchWal(cluster);
    second = (await cli(['base-backup'])).stdout.trim();
    await switchWal(cluster);
    await waitArchived(target.storage, await switchWal(cluster));
  });
  afterAll(async () => cluster?.stop());

  const cli = (args: string[], env: Record<string, string> = { DATABASE_URL: cluster.url() }) => runBuiltCli([...args, '--storage', target.url], { env: { ...target.env, ...env } });
  const names = async () => (await target.storage.list('wal/')).map((o) => walNameOfKey(o.key)!.name);

  it('reports one gap-free timeline, the newest segment, and both base backups reaching now (asking the server what "now" is)', async () => {
    const r = await cli(['backups', '--check', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const h = r.json<ArchiveHealth>();
    expect(h.timelines).toMatchObject([{ timeline: 1, gaps: [], history: true }]);
    expect(h.newest!.ageSeconds).toBeLessThan(60);
    expect(h.server!.currentWal > h.newest!.name).toBe(true);
    expect(h.baseBackups.map((b) => [b.id, b.restorable, b.reachesNow])).toEqual([
      [second, true, true],
      [first, true, true],
    ]);
    expect(h.pitrToNow).toMatchObject({ possible: true, fromBackup: second });
    const human = await cli(['backups', '--check'], {});
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/timeline 1: \d+ segment\(s\) .*no gaps/);
    expect(human.stdout).toMatch(/point-in-time restore to now: POSSIBLE/);
  });

  it('prune deletes only WAL older than the oldest kept base backup (dry run first: nothing changes)', async () => {
    const before = await names();
    const secondStart = (await loadManifest(target.storage, second, { kind: 'base' })).base!.startWal;
    const dry = await cli(['backups', 'prune', '--keep', '1', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const planned = dry.json<{ deleted: Array<{ id: string }>; walDeleted: string[]; walKeptFrom: string }>();
    expect(planned.deleted.map((b) => b.id)).toEqual([first]);
    expect(planned.walKeptFrom).toBe(secondStart);
    expect(planned.walDeleted.length).toBeGreaterThan(0);
    for (const name of planned.walDeleted) expect(name.slice(8, 24) < secondStart.slice(8)).toBe(true);
    expect(await names()).toEqual(before);

    const real = await cli(['backups', 'prune', '--keep', '1', '--json']);
    expect(real.exitCode, real.stderr).toBe(0);
    const after = await names();
    expect(after).toEqual(before.filter((n) => !planned.walDeleted.includes(n)));
    // Everything the kept backup needs is still there: it still reaches now.
    const check = await cli(['backups', '--check', '--json']);
    expect(check.exitCode).toBe(0);
    expect(check.json<ArchiveHealth>().baseBackups).toMatchObject([{ id: second, restorable: true, reachesNow: true }]);
  });

  it('a missing segment is a gap: exit 3, naming it, and PITR to now is impossible', async () => {
    const m = await loadManifest(target.storage, second, { kind: 'base' });
    const after = (await names()).filter((n) => n.length === 24 && n > m.base!.stopWal);
    const hole = after[0]!;
    await target.storage.delete(walKey({ name: hole, kind: 'segment', timeline: hole.slice(0, 8) }));
    const r = await cli(['backups', '--check', '--json']);
    expect(r.exitCode).toBe(3);
    const h = r.json<ArchiveHealth>();
    expect(h.timelines[0]!.gaps).toEqual([{ from: hole, to: hole, count: 1 }]);
    expect(h.pitrToNow.possible).toBe(false);
    expect(h.pitrToNow.reason).toMatch(new RegExp(`${hole} is missing`));
    const human = await cli(['backups', '--check']);
    expect(human.exitCode).toBe(3);
    expect(human.stdout).toMatch(/GAPS: /);
    expect(human.stdout).toMatch(/NOT POSSIBLE/);
  });
});
