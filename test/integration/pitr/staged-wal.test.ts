/**
 * WAL staged ahead of replay: a point-in-time restore keeps running during
 * recovery and stages the segments into pg_wal/dbrollback-staged, and the
 * restore_command it writes only moves a staged segment into place — the
 * server's own log and the run's report say how many came that way — and
 * falls back to wal-fetch for anything not staged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCluster, type Cluster } from '../../harness/cluster.js';
import { archiveCommand, archiveCurrentSegment, baseBackup, cli, markTarget, osUser, query, sharedDir, stopCopy } from './support.js';

interface Report {
  ok: boolean;
  url: string;
  logFile: string;
  recovery: { segmentsFetched: number };
  staging: { staged: number; takenByServer: number; planned: number; ahead: number; workers: number; problem: string | null } | null;
  steps: Array<{ name: string; detail: string }>;
}

const ledger = async (url: string) => (await query<{ rows: string; sum: string }>(url, 'SELECT count(*) AS rows, coalesce(sum(amount), 0) AS sum FROM ledger'))[0];

/** A primary with `segments` archived segments of writes after its base backup, a target, then damage. */
async function primaryWithWal(storage: string, segments: number, env: Record<string, string> = {}) {
  const primary = await startCluster({
    env,
    settings: { wal_level: "'replica'", archive_mode: "'on'", archive_command: `'${archiveCommand(storage).replace(/'/g, "''")}'`, max_wal_senders: 4 },
  });
  const url = primary.url('postgres');
  await query(url, 'CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL, pad text)');
  // The archiver writes first: an encrypted storage's key-check object is then the server's OS user's, as in production.
  await archiveCurrentSegment(url);
  await baseBackup(storage, url, env);
  for (let i = 0; i < segments; i++) {
    // A few MB of rows per segment, so replay has real work in each.
    await query(url, `INSERT INTO ledger (amount, pad) SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 3000) g; SELECT pg_switch_wal()`);
  }
  const good = await ledger(url);
  const marks = await markTarget(url, 'staged-target');
  await query(url, 'DELETE FROM ledger WHERE id % 2 = 0');
  await archiveCurrentSegment(url);
  return { primary, url, good, marks };
}

describe('restore --point-in-time stages WAL ahead of replay', () => {
  let storageDir: string;
  let storage: string;
  let work: string;
  let setup: Awaited<ReturnType<typeof primaryWithWal>>;

  beforeAll(async () => {
    storageDir = await sharedDir('dbrollback-staged-store-');
    storage = pathToFileURL(storageDir).href;
    work = await sharedDir('dbrollback-staged-work-');
    setup = await primaryWithWal(storage, 14);
  });
  afterAll(async () => {
    await setup?.primary.stop();
  });

  it('most segments reach the server from the spool (moved, no wal-fetch), recovery is exact, and the spool is gone at the end', async () => {
    const dataDir = path.join(work, 'copy');
    const port = await freePort();
    const run = await cli(['restore', '--storage', storage, '--database-url', setup.url, '--point-in-time', setup.marks.time, '--data-dir', dataDir, '--port', String(port), '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = run.json<Report>();
    try {
      expect(await ledger(setup.url.replace(`:${setup.primary.port}/`, `:${port}/`))).toEqual(setup.good);
      const staging = report.staging!;
      expect(staging.problem).toBeNull();
      expect(staging.planned).toBeGreaterThanOrEqual(14);
      // The server restored these many segments (its log); the spool gave it most of them.
      const fetched = report.recovery.segmentsFetched;
      expect(fetched).toBeGreaterThanOrEqual(14);
      expect(staging.takenByServer).toBeGreaterThanOrEqual(Math.ceil(fetched * 0.75));
      expect(staging.takenByServer).toBeLessThanOrEqual(staging.staged);
      expect(report.steps.find((s) => s.name === 'recover')!.detail).toContain(`${staging.takenByServer} staged ahead by ${staging.workers} workers`);
      // The server's log agrees: every segment it restored was logged, and the spool is removed.
      const auto = await readFile(path.join(dataDir, 'postgresql.auto.conf'), 'utf8');
      expect(auto).toMatch(/restore_command = '.*d=pg_wal\/dbrollback-staged; s=\$d\/%f; .*test -f \$s && mv -f \$s %p && .* \|\| .* wal-fetch %f %p .*--prefetch 0'/);
      // The server asks for its last segment again when it promotes: that second request is served from the spool too, not by wal-fetch.
      const serverLog = await readFile(report.logFile, 'utf8');
      const lastSegment = [...serverLog.matchAll(/restored log file "([0-9A-F]{24})" from archive/g)].at(-1)![1]!;
      expect(serverLog.match(new RegExp(`restored log file "${lastSegment}"`, 'g'))!.length).toBe(2);
      expect(serverLog).not.toContain(`${lastSegment} is not in the archive`);
      // What the archive lacks (the new timeline's history file the promotion probes for; timeline 1's, which
      // PostgreSQL never writes) is answered by the running stager and the shell: wal-fetch never ran to say so.
      expect(serverLog).not.toContain('is not in the archive');
      await expect(stat(path.join(dataDir, 'pg_wal', 'dbrollback-staged'))).rejects.toThrow();
      expect((await readdir(path.join(dataDir, 'pg_wal'))).some((f) => f.startsWith('.dbrollback-tmp-'))).toBe(false);
    } finally {
      await stopCopy(dataDir);
    }
  }, 180_000);

  it('restore_command falls back to wal-fetch for a file not staged (exact bytes, exit 1 only past the end of the archive), and moves a staged one', async () => {
    const dataDir = path.join(work, 'copy');
    const auto = await readFile(path.join(dataDir, 'postgresql.auto.conf'), 'utf8');
    const command = [...auto.matchAll(/^restore_command = '(.*)'$/gm)].at(-1)![1]!.replace(/''/g, "'").replace(/%%/g, '%');
    const names = (await readdir(path.join(storageDir, 'wal', '00000001'))).filter((n) => /^[0-9A-F]{24}\.gz$/.test(n)).map((n) => n.slice(0, 24)).sort();
    const run = (name: string, dest: string) => {
      const sh = command.replaceAll('%f', name).replaceAll('%p', dest);
      return osUser ? execa('runuser', ['-u', osUser, '--', 'sh', '-c', sh], { cwd: dataDir, reject: false }) : execa('sh', ['-c', sh], { cwd: dataDir, reject: false });
    };
    const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
    const scratch = await sharedDir('dbrollback-staged-fallback-');
    // Not staged: wal-fetch fetches it from the storage.
    const first = await run(names[3]!, path.join(scratch, 'fetched'));
    expect(first.exitCode, first.stderr).toBe(0);
    const reference = path.join(scratch, 'reference');
    expect((await cli(['wal-fetch', names[3]!, reference, '--storage', storage, '--prefetch', '0'])).exitCode).toBe(0);
    expect(await sha(path.join(scratch, 'fetched'))).toBe(await sha(reference));
    // Past the end of the archive: exit 1, as PostgreSQL needs it.
    const beyond = await run('0000000100000009000000FF', path.join(scratch, 'none'));
    expect(beyond.exitCode).toBe(1);
    // Staged: moved into place; the shell alone does it (the storage is not even read).
    const spool = path.join(dataDir, 'pg_wal', 'dbrollback-staged');
    await execa('mkdir', ['-p', spool]);
    const content = randomBytes(1024);
    await writeFile(path.join(spool, names[4]!), content);
    if (osUser) await execa('chown', ['-R', `${osUser}:`, spool, scratch]);
    const moved = await run(names[4]!, path.join(scratch, 'moved'));
    expect(moved.exitCode, moved.stderr).toBe(0);
    expect(await readFile(path.join(scratch, 'moved'))).toEqual(content);
    // The moved file stays linked beside the spool's name, for the server's second request at the end of recovery.
    expect(await readdir(spool)).toEqual([`${names[4]!}.taken`]);
    const again = await run(names[4]!, path.join(scratch, 'again'));
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await readFile(path.join(scratch, 'again'))).toEqual(content);
    // Timeline 1's history file: not in any archive (PostgreSQL never writes one), answered by the shell alone.
    const history = await run('00000001.history', path.join(scratch, 'history'));
    expect(history.exitCode).toBe(1);
    expect(history.stderr).toBe('');
  });
});

describe('restore --tables stages WAL ahead of replay too', () => {
  let setup: Awaited<ReturnType<typeof primaryWithWal>> | undefined;
  afterAll(async () => setup?.primary.stop());

  it('the throwaway instance takes most segments from the spool; the recovered table holds the rows at the target', async () => {
    const storage = pathToFileURL(await sharedDir('dbrollback-staged-tables-store-')).href;
    setup = await primaryWithWal(storage, 10);
    const run = await cli(['restore', '--storage', storage, '--database-url', setup.url, '--point-in-time', setup.marks.time, '--tables', 'public.ledger', '--into-database', setup.url, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = run.json<{ schema: string; walStaging: { restored: number; fromSpool: number; problem: string | null } | null }>();
    const staging = report.walStaging!;
    expect(staging.problem).toBeNull();
    expect(staging.restored).toBeGreaterThanOrEqual(10);
    expect(staging.fromSpool).toBeGreaterThanOrEqual(Math.ceil(staging.restored * 0.75));
    const [recovered] = await query<{ rows: string; sum: string }>(setup.url, `SELECT count(*) AS rows, coalesce(sum(amount), 0) AS sum FROM "${report.schema}".ledger`);
    expect(recovered).toEqual(setup.good);
  }, 240_000);
});

describe('staged WAL from an encrypted storage', () => {
  it('the run decrypts while staging; the copy holds exactly the data at the target', async () => {
    const storageDir = await sharedDir('dbrollback-staged-enc-store-');
    const storage = pathToFileURL(storageDir).href;
    const env = { DBROLLBACK_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
    let primary: Cluster | undefined;
    const dataDir = path.join(await sharedDir('dbrollback-staged-enc-work-'), 'copy');
    try {
      const setup = await primaryWithWal(storage, 6, env);
      primary = setup.primary;
      const port = await freePort();
      const run = await cli(['restore', '--storage', storage, '--database-url', setup.url, '--point-in-time', setup.marks.time, '--data-dir', dataDir, '--port', String(port), '--json'], env);
      expect(run.exitCode, run.stderr).toBe(0);
      const report = run.json<Report>();
      expect(await ledger(setup.url.replace(`:${setup.primary.port}/`, `:${port}/`))).toEqual(setup.good);
      expect(report.staging!.problem).toBeNull();
      expect(report.staging!.takenByServer).toBeGreaterThanOrEqual(Math.ceil(report.recovery.segmentsFetched * 0.75));
      // The key never reached the configuration the copy keeps.
      expect(await readFile(path.join(dataDir, 'postgresql.auto.conf'), 'utf8')).not.toContain(env.DBROLLBACK_ENCRYPTION_KEY);
    } finally {
      await stopCopy(dataDir);
      await primary?.stop();
    }
  }, 240_000);
});
