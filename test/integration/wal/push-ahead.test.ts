/**
 * wal-push ahead of the server: one invocation pushes the other files
 * PostgreSQL has marked ready and records each with a marker, and the
 * archive_command archiveCommandWithMarkers writes answers the server's next
 * calls from those markers in the shell — on a real cluster under a bulk
 * load, with wal-push's contract kept (never a marker for content the
 * storage does not hold; a file other than the one marked is pushed anew).
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, type Cluster } from '../../harness/cluster.js';
import { CLI, runBuiltCli } from '../../harness/cli.js';
import { archiveCommandWithMarkers, fileIdentity, PUSHED_DIR } from '../../../src/backup/wal/wal-push-ahead.js';
import { PUSHER_LOCK, PUSHER_LOG } from '../../../src/backup/wal/push-markers.js';
import { archivingCluster, cliCommand, fileArchive, shellQuote, waitArchived, type ArchiveTarget } from './support.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const confQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

describe('wal-push pushes ready segments ahead, on a real cluster under a bulk load', () => {
  let target: ArchiveTarget;
  let cluster: Cluster;
  let calls: string;
  afterAll(async () => cluster?.stop());

  it('every segment is archived exactly; most of the server\'s calls are answered from a marker without starting wal-push', async () => {
    target = await fileArchive();
    const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-push-ahead-'));
    calls = path.join(work, 'wal-push-calls');
    await writeFile(calls, '');
    if (isRoot()) await execa('chown', ['-R', 'postgres:', work]);
    // The command as archiveCommandWithMarkers writes it; the wal-push part also notes each time it runs.
    const command = archiveCommandWithMarkers(`{ echo %f >> ${shellQuote(calls)}; ${cliCommand(target, 'wal-push %p')}; }`);
    cluster = await archivingCluster(target, { archive_command: confQuote(command), wal_keep_size: "'2GB'", max_wal_size: "'2GB'" });
    const conn = cluster.conn('postgres');
    const env = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: 'postgres' };
    const first = (await cluster.sql<{ first: string }>('postgres', 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS first'))[0]!.first;
    // A bulk load: segments become ready faster than one wal-push per segment keeps up with.
    await execa('pgbench', ['-i', '-s', '12', '-q'], { env });
    const last = (await cluster.sql<{ last: string }>('postgres', 'SELECT pg_walfile_name(pg_switch_wal()) AS last'))[0]!.last;
    await waitArchived(target.storage, last, 120_000);
    const walDir = path.join(cluster.dataDir, 'pg_wal');
    const segments = (await readdir(walDir)).filter((n) => /^[0-9A-F]{24}$/.test(n) && n >= first && n <= last).sort();
    expect(segments.length).toBeGreaterThanOrEqual(8);
    // Every segment is in the archive, and fetches back to the bytes the server wrote.
    for (const name of segments) {
      const out = path.join(work, `${name}.fetched`);
      const fetched = await runBuiltCli(['wal-fetch', name, out, '--storage', target.url, '--prefetch', '0']);
      expect(fetched.exitCode, fetched.stderr).toBe(0);
      expect(sha(await readFile(out))).toBe(sha(await readFile(path.join(walDir, name))));
    }
    const [archiver] = await cluster.sql<{ failed: string; archived: string }>('postgres', 'SELECT failed_count::text AS failed, archived_count::text AS archived FROM pg_stat_archiver');
    expect(archiver!.failed).toBe('0');
    // wal-push ran for fewer files than the server archived: the rest came from markers, in the shell.
    const ran = (await readFile(calls, 'utf8')).split('\n').filter(Boolean);
    expect(ran.length).toBeLessThan(Number(archiver!.archived));
    expect(ran.length).toBeLessThanOrEqual(Math.ceil(segments.length / 2));
    // Markers are used up once the server has archived their files.
    expect((await readdir(path.join(walDir, PUSHED_DIR))).filter((n) => /^[0-9A-F]{24}$/.test(n))).toEqual([]);
    // The files ahead were stored by detached pushers, which log each one.
    expect(await readFile(path.join(walDir, PUSHED_DIR, PUSHER_LOG), 'utf8')).toMatch(/ stored [0-9A-F]{24}\n/);
  }, 300_000);
});

/** Wait for `count` detached pushers to have logged their end and released their lock. */
async function pusherDone(pgWal: string, count = 1): Promise<void> {
  for (let i = 0; i < 1200; i++, await new Promise((r) => setTimeout(r, 50))) {
    const log = await readFile(path.join(pgWal, PUSHED_DIR, PUSHER_LOG), 'utf8').catch(() => '');
    const locked = await stat(path.join(pgWal, PUSHED_DIR, PUSHER_LOCK)).then(() => true, () => false);
    if ((log.match(/ done: /g) ?? []).length >= count && !locked) return;
  }
  throw new Error('the pusher did not finish');
}

describe('wal-push ahead keeps wal-push\'s contract', () => {
  it('a ready file the storage holds other bytes for gets no marker (the server\'s own call fails, naming it); a marked file that changed is pushed anew', async () => {
    const target = await fileArchive();
    const pgWal = path.join(await mkdtemp(path.join(os.tmpdir(), 'dbrollback-push-ahead-wal-')), 'pg_wal');
    await mkdir(path.join(pgWal, 'archive_status'), { recursive: true });
    const [asked, conflicting, ahead] = ['000000010000000000000011', '000000010000000000000012', '000000010000000000000013'];
    for (const name of [asked, conflicting, ahead]) {
      await writeFile(path.join(pgWal, name), randomBytes(1024 * 1024));
      await writeFile(path.join(pgWal, 'archive_status', `${name}.ready`), '');
    }
    // The storage already holds other bytes under `conflicting` (say, another cluster's).
    const other = path.join(pgWal, '..', 'other');
    await mkdir(other);
    await writeFile(path.join(other, conflicting), randomBytes(1024 * 1024));
    expect((await runBuiltCli(['wal-push', path.join(other, conflicting), '--storage', target.url])).exitCode).toBe(0);

    const run = await runBuiltCli(['wal-push', path.join(pgWal, asked), '--storage', target.url, '--json'], { env: {} });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = run.json<{ ok: boolean; name: string; pusher: string }>();
    expect(result.name).toBe(asked);
    expect(result.pusher).toBe('started');
    await rm(path.join(pgWal, 'archive_status', `${asked}.ready`));
    // The detached pusher stores the file ahead and marks it; the file the storage holds other bytes for
    // is already stored under its name, so the pusher leaves it to the server's own call (no marker).
    await pusherDone(pgWal);
    expect((await readdir(path.join(pgWal, PUSHED_DIR))).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort()).toEqual([ahead]);

    // The archive_command in the shell, as the server runs it (cwd = the data directory).
    const dataDir = path.dirname(pgWal);
    const archiveCommand = (name: string, fallback: string) =>
      execa('sh', ['-c', archiveCommandWithMarkers(fallback).replaceAll('%%', '%').replaceAll('%f', name).replaceAll('%p', `pg_wal/${name}`)], { cwd: dataDir, reject: false });
    // The marked file: answered from the marker (the fallback here would fail), and the marker is used up.
    expect((await archiveCommand(ahead, 'false')).exitCode).toBe(0);
    expect((await readdir(path.join(pgWal, PUSHED_DIR))).filter((n) => /^[0-9A-F]{24}$/.test(n))).toEqual([]);
    // As the server does after exit 0.
    await rm(path.join(pgWal, 'archive_status', `${ahead}.ready`));
    // The conflicting file: no marker, so wal-push runs and refuses, as it always has.
    const refused = await archiveCommand(conflicting, `${shellQuote(process.execPath)} ${shellQuote(CLI)} wal-push %p --storage ${shellQuote(target.url)}`);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('different content');

    // A marker no longer matching its file (rewritten since) is not trusted: the fallback runs.
    await rm(path.join(pgWal, 'archive_status', `${conflicting}.ready`));
    await writeFile(path.join(pgWal, 'archive_status', `${ahead}.ready`), '');
    // A marker as the pusher writes one (the identity of the file it stored); then the file is rewritten.
    await writeFile(path.join(pgWal, PUSHED_DIR, ahead), `${await fileIdentity(path.join(pgWal, ahead))}\n`);
    await copyFile(path.join(pgWal, asked), path.join(pgWal, ahead));
    await utimes(path.join(pgWal, ahead), new Date(), new Date(Date.now() + 5_000));
    expect((await archiveCommand(ahead, 'false')).exitCode).toBe(1);
  });
});
