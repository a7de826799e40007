/**
 * The WAL archive as PostgreSQL drives it: a real cluster whose
 * archive_command is the built CLI's wal-push, and wal-fetch run as
 * restore_command would run it — against a directory and an S3-protocol server.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import { parseWalName, walKey } from '../../../src/backup/wal/layout.js';
import { archivingCluster, fileArchive, s3Archive, switchWal, waitArchived, type ArchiveTarget } from './support.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server(['wal']);
});
afterAll(async () => s3?.stop());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(['file', 's3'] as const)('WAL archive on %s storage', (kind) => {
  let target: ArchiveTarget;
  let cluster: Cluster;
  let segments: string[] = [];
  let work: string;

  beforeAll(async () => {
    // The test process reads the S3 archive too; its SDK takes credentials from the environment.
    if (kind === 's3') Object.assign(process.env, s3.env);
    target = kind === 'file' ? await fileArchive() : s3Archive(s3, 'wal', `archive-${Date.now()}`);
    cluster = await archivingCluster(target);
    await cluster.sql('postgres', 'CREATE TABLE t AS SELECT i, md5(i::text) AS v FROM generate_series(1, 20000) i');
    segments = [await switchWal(cluster), await switchWal(cluster), await switchWal(cluster)];
    // wal-push pushes ready segments ahead, in parallel: a later segment can be stored before an earlier one.
    for (const name of segments) await waitArchived(target.storage, name);
    work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-walfetch-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    await target?.storage.close();
  });

  const cli = (args: string[]) => runBuiltCli([...args, '--storage', target.url], { env: target.env });

  it("archive_command pushes every closed segment, and wal-fetch gives back PostgreSQL's exact bytes", async () => {
    const keys = (await target.storage.list('wal/')).map((o) => o.key);
    for (const name of segments) expect(keys).toContain(walKey(parseWalName(name)!));
    const name = segments[1]!;
    const original = await readFile(path.join(cluster.dataDir, 'pg_wal', name));
    const dest = path.join(work, 'pg_wal', 'RECOVERYXLOG');
    const r = await cli(['wal-fetch', name, dest, '--prefetch', '0', '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, name, fromSpool: false, size: 16 * 1024 * 1024 });
    expect(sha(await readFile(dest))).toBe(sha(original));
  });

  it('pushing the same segment again succeeds; a different file under the same name fails and leaves the archive as it was', async () => {
    const name = segments[0]!;
    const copy = path.join(work, name);
    const original = await readFile(path.join(cluster.dataDir, 'pg_wal', name));
    await writeFile(copy, original);
    const again = await cli(['wal-push', copy, '--json']);
    expect(again.exitCode).toBe(0);
    expect(again.json()).toMatchObject({ ok: true, name, created: false, sha256: sha(original) });

    const changed = Buffer.from(original);
    changed[1000] = changed[1000]! ^ 0xff;
    await writeFile(copy, changed);
    const different = await cli(['wal-push', copy, '--json']);
    expect(different.exitCode).toBe(1);
    expect(different.json()).toMatchObject({ ok: false, error: { code: 'WAL_EXISTS_DIFFERENT' } });
    expect(different.stderr).toMatch(new RegExp(`already holds ${name} .* with different content`));

    const dest = path.join(work, 'check', name);
    expect((await cli(['wal-fetch', name, dest, '--prefetch', '0'])).exitCode).toBe(0);
    expect(sha(await readFile(dest))).toBe(sha(original));
  });

  it('wal-fetch of a name the archive does not hold exits 1 (and writes nothing)', async () => {
    const dest = path.join(work, 'missing', 'RECOVERYXLOG');
    const r = await cli(['wal-fetch', '00000001000000FF000000FF', dest]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/00000001000000FF000000FF is not in the archive/);
    await expect(readdir(path.dirname(dest)).catch(() => [])).resolves.toEqual([]);
  });

  it('wal-fetch exits 126, never 1, when the archive cannot be read or an object is damaged', async () => {
    const dest = path.join(work, 'down', 'RECOVERYXLOG');
    const unreachable =
      kind === 'file'
        ? await runBuiltCli(['wal-fetch', segments[0]!, dest, '--storage', path.join(target.url, 'wal', parseWalName(segments[0]!)!.timeline, `${segments[0]}.gz`, 'x')])
        : await runBuiltCli(['wal-fetch', segments[0]!, dest, '--storage', target.url], { env: { ...target.env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' } });
    expect(unreachable.exitCode).toBe(126);

    // A bad config must not read as "end of archive" either.
    const badConfig = await runBuiltCli(['wal-fetch', segments[0]!, dest], { env: { DATABASE_URL: 'mysql://nope' } });
    expect(badConfig.exitCode).toBe(126);

    const name = '000000010000000000000FFF';
    const key = walKey(parseWalName(name)!);
    const good = await readFile(path.join(cluster.dataDir, 'pg_wal', segments[0]!));
    const pushed = path.join(work, name);
    await writeFile(pushed, good.subarray(0, 65536));
    const push = await cli(['wal-push', pushed]);
    expect(push.exitCode).toBe(0);
    // Nothing but the tool's own words in the server's log at each segment (was, on S3 under Node 20: the AWS SDK's
    // eight-line NodeVersionSupportWarning, from archive_command's short way in).
    expect(push.stderr).toBe('');
    const chunks: Buffer[] = [];
    for await (const chunk of await target.storage.get(key)) chunks.push(chunk as Buffer);
    const stored = Buffer.concat(chunks);
    stored[stored.length - 20] = stored[stored.length - 20]! ^ 0x55;
    await target.storage.delete(key);
    await target.storage.put(key, stored);
    const damaged = await cli(['wal-fetch', name, dest]);
    expect(damaged.exitCode).toBe(126);
    expect(damaged.stderr).toMatch(/is damaged/);
    // The damaged bytes never reached DEST, not even under a temporary name.
    await expect(readdir(path.dirname(dest))).resolves.toEqual([]);
  });

  it('prefetches the following segments into the spool, and the next wal-fetch takes them from there', async () => {
    const pgWal = path.join(work, 'prefetch', 'pg_wal');
    const first = await cli(['wal-fetch', segments[0]!, path.join(pgWal, 'RECOVERYXLOG'), '--prefetch', '2']);
    expect(first.exitCode).toBe(0);
    const spool = path.join(pgWal, 'dbrollback-spool');
    const deadline = Date.now() + 20_000;
    let spooled: string[] = [];
    while (Date.now() < deadline) {
      spooled = (await readdir(spool).catch(() => [])).filter((f) => parseWalName(f));
      if (spooled.length === 2 && !(await readdir(spool)).includes('.prefetch.lock')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(spooled.sort()).toEqual([segments[1], segments[2]]);
    // Gone from the archive: only the spool can answer now.
    await target.storage.delete(walKey(parseWalName(segments[1]!)!));
    const next = await cli(['wal-fetch', segments[1]!, path.join(pgWal, 'RECOVERYXLOG'), '--prefetch', '0', '--json']);
    expect(next.exitCode).toBe(0);
    expect(next.json()).toMatchObject({ fromSpool: true, size: 16 * 1024 * 1024 });
    expect(sha(await readFile(path.join(pgWal, 'RECOVERYXLOG')))).toBe(sha(await readFile(path.join(cluster.dataDir, 'pg_wal', segments[1]!))));

    // The end of the archive: exit 1, and the spool does not outlive recovery in pg_wal.
    const end = await cli(['wal-fetch', '00000001000000FF000000FE', path.join(pgWal, 'RECOVERYXLOG')]);
    expect(end.exitCode).toBe(1);
    expect(await readdir(pgWal)).not.toContain('dbrollback-spool');
  });

  it('a prefetch worker whose cluster was removed meanwhile does not bring its directory back', async () => {
    // What the detached worker is started with, for a data directory that no longer exists.
    const removed = path.join(work, 'removed-copy');
    const spool = path.join(removed, 'data', 'pg_wal', 'dbrollback-spool');
    const worker = await cli(['wal-fetch', '--spool-worker', '--prefetch', '2', segments[0]!, spool]);
    expect(worker.exitCode, worker.stderr).toBe(0);
    await expect(stat(removed)).rejects.toThrow();
  });
});

it('wal-push refuses a file whose name PostgreSQL would never archive (exit 2)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-walname-'));
  await chmod(dir, 0o755);
  await writeFile(path.join(dir, 'notwal.txt'), 'x');
  const r = await runBuiltCli(['wal-push', path.join(dir, 'notwal.txt'), '--storage', path.join(dir, 'store')]);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toMatch(/"notwal.txt" is not a WAL file name/);
});
