/**
 * Point-in-time restore end to end, with the built CLI everywhere PostgreSQL
 * and the user would use it: a primary archiving through `wal-push`, a base
 * backup, good writes, a target, damage — then `restore --point-in-time |
 * --lsn | --restore-point` into a new data directory must give exactly the
 * data from before the damage, with archiving off in the copy.
 */
import { cp, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import type { Cluster } from '../../harness/cluster.js';
import { CLI, interruptBuiltCli } from '../../harness/cli.js';
import { archiveCommand, archiveCurrentSegment, baseBackup, archivingCluster, asServerUser, cli, debianStyleCluster, markTarget, pgCtlPath, query, sharedDir, stopCopy, type Marks } from './support.js';

interface Data {
  rows: number;
  sum: number;
  notes: string;
}

async function dataOf(url: string): Promise<Data> {
  const [row] = await query<{ rows: string; sum: string; notes: string }>(url, "SELECT count(*) AS rows, coalesce(sum(amount), 0) AS sum, string_agg(note, ',' ORDER BY id) AS notes FROM ledger");
  return { rows: Number(row!.rows), sum: Number(row!.sum), notes: row!.notes };
}

describe('restore --point-in-time | --lsn | --restore-point (file storage)', () => {
  let primary: Cluster;
  let storageDir: string;
  let storageUrl: string;
  let work: string;
  let marks: Marks;
  let good: Data;
  let baseId: string;

  beforeAll(async () => {
    storageDir = await sharedDir('dbrollback-pitr-store-');
    storageUrl = pathToFileURL(storageDir).href;
    work = await sharedDir('dbrollback-pitr-work-');
    primary = await archivingCluster(storageUrl);
    const url = primary.url('postgres');
    await query(url, "CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL, note text); INSERT INTO ledger (amount, note) SELECT i, 'before base ' || i FROM generate_series(1, 100) i");
    baseId = await baseBackup(storageUrl, primary.url('postgres'));
    await query(url, "INSERT INTO ledger (amount, note) SELECT i * 2, 'after base ' || i FROM generate_series(1, 50) i");
    good = await dataOf(url);
    marks = await markTarget(url, 'before-damage');
    // The damage a bad migration does, committed after the target.
    await query(url, "DELETE FROM ledger WHERE id % 3 = 0; UPDATE ledger SET note = 'oops'");
    await archiveCurrentSegment(url);
    expect((await dataOf(url)).rows).toBeLessThan(good.rows);
  });

  afterAll(async () => {
    await primary?.stop();
  });

  it('--point-in-time gives exactly the data from before the damage, archiving off, and stops the copy', async () => {
    const dataDir = path.join(work, 'by-time');
    const run = await cli(['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--point-in-time', marks.time, '--data-dir', dataDir, '--port', '0'.replace('0', String(await freePortNumber())), '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = run.json<{ ok: boolean; baseBackupId: string; url: string; running: boolean; recovery: { segmentsFetched: number; newTimeline: number }; verify: { ok: boolean; checks: Array<{ id: string; status: string }> }; steps: Array<{ name: string; status: string }>; auditKey: string }>();
    expect(report.ok).toBe(true);
    expect(report.baseBackupId).toBe(baseId);
    expect(report.running).toBe(true);
    expect(report.recovery.segmentsFetched).toBeGreaterThan(0);
    expect(report.recovery.newTimeline).toBe(2);
    expect(report.verify.checks.map((c) => c.id)).toEqual(['connectivity', 'constraints', 'indexes', 'sequences', 'custom']);
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['choose-base:success', 'check-wal:success', 'extract:success', 'configure:success', 'start:success', 'recover:success', 'verify:success', 'finish:skipped']);
    const copyUrl = report.url.replace('postgres://postgres@', `postgres://postgres:${encodeURIComponent(primary.password)}@`);
    try {
      expect(await dataOf(copyUrl)).toEqual(good);
      const [settings] = await query<{ archive_mode: string; in_recovery: boolean }>(copyUrl, "SELECT current_setting('archive_mode') AS archive_mode, pg_is_in_recovery() AS in_recovery");
      expect(settings).toEqual({ archive_mode: 'off', in_recovery: false });
    } finally {
      await stopCopy(dataDir);
    }
    const mode = (await stat(dataDir)).mode & 0o777;
    expect(mode).toBe(0o700);
    // The audit record is in the storage, outside the restored cluster.
    const record = JSON.parse(await readFile(path.join(storageDir, report.auditKey), 'utf8')) as { command: string; outcome: string; backupId: string; steps: Array<{ name: string; status: string }> };
    expect(record).toMatchObject({ command: 'restore', outcome: 'success', backupId: baseId });
    expect(record.steps.find((s) => s.name === 'verify')?.status).toBe('success');
  });

  it('--lsn and --restore-point give the same pre-damage data; without --port the copy is stopped and says how to start it', async () => {
    for (const [flag, value] of [['--lsn', marks.lsn], ['--restore-point', marks.restorePoint]] as const) {
      const dataDir = path.join(work, `by${flag}`);
      // An existing empty directory is fine too.
      if (flag === '--lsn') await mkdir(dataDir);
      const run = await cli(['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), flag, value, '--data-dir', dataDir, '--json']);
      expect(run.exitCode, run.stderr).toBe(0);
      // The point was made with pg_create_restore_point, not by `migrate`: placed from the archived WAL, at the LSN the function returned.
      if (flag === '--restore-point') expect(run.stderr).toContain(`restore point "${marks.restorePoint}" found in the archived WAL at ${marks.lsn} (timeline 1)`);
      const report = run.json<{ running: boolean; startCommand: string; port: number }>();
      expect(report.running).toBe(false);
      expect(report.startCommand).toContain(`-D ${dataDir}`);
      // Start it the way the report says, and look.
      const { execa } = await import('execa');
      await execa('sh', ['-c', report.startCommand.replace(' start', ' -w start')]);
      try {
        expect(await dataOf(primary.url('postgres').replace(`:${primary.port}/`, `:${report.port}/`))).toEqual(good);
      } finally {
        await stopCopy(dataDir);
      }
    }
  });

  it('a missing WAL segment is named before anything is written (exit 2)', async () => {
    const copy = await sharedDir('dbrollback-pitr-gap-');
    await cp(storageDir, copy, { recursive: true });
    const tl = path.join(copy, 'wal', '00000001');
    const names = (await readdir(tl)).filter((n) => /^[0-9A-F]{24}\.gz$/.test(n)).sort();
    // One in the middle of what recovery from the base backup needs.
    const victim = names[names.length - 2]!;
    await rm(path.join(tl, victim));
    const auditBefore = await readdir(path.join(copy, 'audit')).catch(() => []);
    const dataDir = path.join(work, 'gap');
    const run = await cli(['restore', '--storage', copy, '--database-url', primary.url('postgres'), '--point-in-time', marks.time, '--data-dir', dataDir, '--json']);
    expect(run.exitCode).toBe(2);
    const error = run.json<{ ok: boolean; error: { code: string; message: string } }>().error;
    expect(error.code).toBe('WAL_MISSING');
    expect(error.message).toContain(victim.replace('.gz', ''));
    await expect(stat(dataDir)).rejects.toThrow();
    expect(await readdir(path.join(copy, 'audit')).catch(() => [])).toEqual(auditBefore);
  });

  it('bad input exits 2 and writes nothing', async () => {
    const dataDir = path.join(work, 'bad');
    const base = ['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--data-dir', dataDir];
    const cases: Array<[string[], RegExp]> = [
      [['--point-in-time', 'last tuesday'], /is not a date and time/],
      [['--point-in-time', '2999-01-01T00:00:00Z'], /in the future/],
      [['--point-in-time', '2020-01-01T00:00:00Z'], /no base backup ends before 2020-01-01 00:00:00 UTC: the oldest on the timeline path, .*Nothing was written/],
      [['--point-in-time', marks.time.replace('Z', '')], /has no time zone/],
      [['--point-in-time', marks.time, '--lsn', marks.lsn], /give one recovery target, not --point-in-time and --lsn/],
      [['--lsn', 'nonsense'], /is not a WAL location/],
    ];
    for (const [args, message] of cases) {
      const run = await cli([...base, ...args]);
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    await expect(stat(dataDir)).rejects.toThrow();
    const nonEmpty = await sharedDir('dbrollback-pitr-full-');
    await cp(path.join(storageDir, 'backups'), path.join(nonEmpty, 'something'), { recursive: true });
    const run = await cli(['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--point-in-time', marks.time, '--data-dir', nonEmpty]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('is not empty');
    expect(await readdir(nonEmpty)).toEqual(['something']);
    const noDir = await cli(['restore', '--storage', storageUrl, '--point-in-time', marks.time]);
    expect(noDir.exitCode).toBe(2);
    expect(noDir.stderr).toContain('--data-dir');
  });

  it('a restore point neither recorded nor in the archived WAL: exit 2 before anything is written, saying so', async () => {
    const dataDir = path.join(work, 'no-such-point');
    const run = await cli(['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--restore-point', 'never-created', '--data-dir', dataDir, '--json']);
    expect(run.exitCode, run.stderr).toBe(2);
    const report = run.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>();
    expect(report.error.code).toBe('RESTORE_POINT_NOT_FOUND');
    expect(report.error.message).toMatch(new RegExp(`^restore point "never-created" is neither in the storage's records nor in the archived WAL on the path recovery follows \\(timeline 1\\) from where the oldest base backup on it, ${baseId}, starts \\([0-9A-F]+/[0-9A-F]+; segments 0{7}1[0-9A-F]{16} … 0{7}1[0-9A-F]{16} read\\): if it was made before that, no base backup can reach it\\. Nothing was written$`));
    await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
  });

  describe('stopped midway', () => {
    interface Run {
      command: string;
      outcome: string;
      lastCompletedStep?: string | null;
      databaseState?: string;
    }
    const historyOf = async () => (await cli(['history', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--json'])).json<{ runs: Run[] }>().runs;
    const pidFile = (dir: string) => stat(path.join(dir, 'postmaster.pid')).then(() => true, () => false);
    const restoreArgs = (dataDir: string) => ['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--point-in-time', marks.time, '--data-dir', dataDir, '--json'];

    it('SIGTERM during recovery: exit 143, the copy\'s server stopped, the run recorded as interrupted naming the partial copy; the same restore again completes', async () => {
      const dataDir = path.join(work, 'stopped');
      const run = await interruptBuiltCli(restoreArgs(dataDir), 'restore:pitr-recover', 'SIGTERM');
      expect(run.paused, run.stderr).toBe(true);
      expect(run.exitCode, run.stderr).toBe(143);
      const report = run.json<{ ok: boolean; error: { code: string; message: string; hint: string }; steps: Array<{ name: string; status: string }> }>();
      expect(report.error.code).toBe('TERMINATED');
      expect(report.error.message).toMatch(/stopped by SIGTERM during step "recover" \(replayed to .*; not at /);
      expect(report.error.hint).toContain(`${dataDir} holds a partial copy, not at the target (its server was stopped): remove it, then run the same command again.`);
      expect(Object.fromEntries(report.steps.map((s) => [s.name, s.status]))).toEqual({ 'choose-base': 'success', 'check-wal': 'success', extract: 'success', configure: 'success', start: 'success', recover: 'failed', finish: 'success', verify: 'not-run' });
      expect(await pidFile(dataDir)).toBe(false);
      expect((await historyOf())[0]).toMatchObject({ command: 'restore', outcome: 'interrupted' });
      await rm(dataDir, { recursive: true, force: true });
      const again = await cli(restoreArgs(dataDir));
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.json<{ ok: boolean }>().ok).toBe(true);
    });

    it('SIGTERM after recovery with --port: the unverified copy is not left running', async () => {
      const dataDir = path.join(work, 'stopped-unverified');
      const run = await interruptBuiltCli([...restoreArgs(dataDir), '--port', String(await freePortNumber())], 'restore:pitr-before-verify', 'SIGTERM');
      expect(run.paused, run.stderr).toBe(true);
      expect(run.exitCode, run.stderr).toBe(143);
      const report = run.json<{ running: boolean; error: { code: string; message: string }; steps: Array<{ name: string; status: string }> }>();
      expect(report.error.message).toContain('stopped by SIGTERM before step "verify" (last completed step: recover)');
      expect(report.running).toBe(false);
      expect(Object.fromEntries(report.steps.map((s) => [s.name, s.status]))).toMatchObject({ recover: 'success', verify: 'not-run', finish: 'success' });
      expect(await pidFile(dataDir)).toBe(false);
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    });

    it('SIGINT during the download of the base backup: exit 130, no server started, the partial copy named', async () => {
      const dataDir = path.join(work, 'stopped-download');
      const run = await interruptBuiltCli(restoreArgs(dataDir), 'restore:pitr-extract', 'SIGINT');
      expect(run.paused).toBe(true);
      expect(run.exitCode, run.stderr).toBe(130);
      const report = run.json<{ error: { code: string; message: string; hint: string }; steps: Array<{ name: string; status: string }> }>();
      expect(report.error.code).toBe('INTERRUPTED');
      expect(report.error.message).toMatch(/stopped by SIGINT during step "extract" \(after \d+ bytes of the base backup\)/);
      expect(report.error.hint).toContain(`${dataDir} holds a partial copy, not at the target (no server was started on it)`);
      expect(report.steps.find((s) => s.name === 'start')?.status).toBe('not-run');
      await rm(dataDir, { recursive: true, force: true });
    });

    it('kill -9 during recovery: history shows the run interrupted after "start", production untouched, and the copy\'s server that may still run', async () => {
      const dataDir = path.join(work, 'killed');
      const run = await interruptBuiltCli(restoreArgs(dataDir), 'restore:pitr-recover', 'SIGKILL');
      expect(run.paused).toBe(true);
      try {
        const [latest] = await historyOf();
        expect(latest).toMatchObject({ command: 'restore', outcome: 'interrupted', lastCompletedStep: 'start' });
        expect(latest!.databaseState).toContain(`the production database was not touched; ${dataDir} holds a partial copy (its server on port`);
        expect(latest!.databaseState).toContain(`may still be running (pg_ctl -D ${dataDir} stop)`);
      } finally {
        await stopCopy(dataDir);
        // wal-fetch's prefetch may still be finishing a segment into the spool.
        await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      }
    });
  });

  it('a second PITR on the new timeline: the restored copy becomes a primary, archives again, and is restored in turn', async () => {
    // First restore: timeline 2, left running.
    const firstDir = path.join(work, 'new-primary');
    const port = await freePortNumber();
    const first = await cli(['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--point-in-time', marks.time, '--data-dir', firstDir, '--port', String(port), '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const copyUrl = primary.url('postgres').replace(`:${primary.port}/`, `:${port}/`);
    const thirdDir = path.join(work, 'second-pitr');
    try {
      // The user makes the copy the new primary: archiving back on (it is off after every restore), its history archived.
      await query(copyUrl, "ALTER SYSTEM SET archive_mode = 'on'");
      await query(copyUrl, `ALTER SYSTEM SET archive_command = '${archiveCommand(storageUrl).replace(/'/g, "''")}'`);
      await asServerUser([pgCtlPath(), '-D', firstDir, '-l', path.join(firstDir, 'log', 'restart.log'), '-w', '-m', 'fast', 'restart']);
      await asServerUser([process.execPath, CLI, '--storage', storageUrl, 'wal-push', path.join(firstDir, 'pg_wal', '00000002.history')]);
      const secondBase = await baseBackup(storageUrl, copyUrl);
      await query(copyUrl, "INSERT INTO ledger (amount, note) VALUES (1000, 'on timeline 2')");
      const good2 = await dataOf(copyUrl);
      const marks2 = await markTarget(copyUrl, 'before-damage-2');
      await query(copyUrl, 'TRUNCATE ledger');
      await archiveCurrentSegment(copyUrl);

      const second = await cli(['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--point-in-time', marks2.time, '--data-dir', thirdDir, '--port', String(await freePortNumber()), '--json']);
      expect(second.exitCode, second.stderr).toBe(0);
      const report = second.json<{ baseBackupId: string; timeline: number; url: string; recovery: { newTimeline: number } }>();
      expect(report.baseBackupId).toBe(secondBase);
      expect(report.timeline).toBe(2);
      expect(report.recovery.newTimeline).toBe(3);
      expect(await dataOf(report.url.replace('postgres://postgres@', `postgres://postgres:${encodeURIComponent(primary.password)}@`))).toEqual(good2);
    } finally {
      await stopCopy(thirdDir);
      await stopCopy(firstDir);
    }
  });
});

async function freePortNumber(): Promise<number> {
  const { freePort } = await import('../../harness/cluster.js');
  return freePort();
}

describe('restore --point-in-time of a cluster that keeps its configuration outside its data directory (Debian packages)', () => {
  it('writes the missing postgresql.conf, pg_hba.conf and pg_ident.conf into the copy, says so, and the copy holds the data at the target', async () => {
    const storage = pathToFileURL(await sharedDir('dbrollback-pitr-debian-store-')).href;
    const primary = await debianStyleCluster(storage);
    const dataDir = path.join(await sharedDir('dbrollback-pitr-debian-work-'), 'copy');
    try {
      await query(primary.url, "CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL, note text); INSERT INTO ledger (amount, note) SELECT i, 'base ' || i FROM generate_series(1, 40) i");
      await baseBackup(storage, primary.url);
      await query(primary.url, "INSERT INTO ledger (amount, note) SELECT i, 'later ' || i FROM generate_series(1, 10) i");
      const good = await dataOf(primary.url);
      const marks = await markTarget(primary.url, 'debian-target');
      await query(primary.url, 'DELETE FROM ledger');
      await archiveCurrentSegment(primary.url);
      const port = await freePortNumber();
      const run = await cli(['restore', '--storage', storage, '--database-url', primary.url, '--point-in-time', marks.time, '--data-dir', dataDir, '--port', String(port), '--json']);
      expect(run.exitCode, run.stderr).toBe(0);
      const report = run.json<{ steps: Array<{ name: string; detail: string }> }>();
      expect(report.steps.find((s) => s.name === 'configure')!.detail).toContain('the base backup held no postgresql.conf, pg_hba.conf, pg_ident.conf (configuration kept outside the data directory): minimal ones written');
      expect(await dataOf(primary.url.replace(/:\d+\/postgres$/, `:${port}/postgres`))).toEqual(good);
    } finally {
      await stopCopy(dataDir);
      await primary.stop();
    }
  });
});
