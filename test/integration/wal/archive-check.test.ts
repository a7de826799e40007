/**
 * Archive health is checked, not assumed: a server whose archive_command
 * fails (here /bin/false) makes base-backup fail within --archive-timeout
 * naming pg_stat_archiver's last failure (it used to wait forever, showing an
 * ETA for bytes that were not flowing), refuses the next base-backup before
 * it starts, makes `backups --check` exit 3, and makes migrate --backup auto
 * take a logical backup instead of trusting restore points (--backup never
 * is refused).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { cli, query, sharedDir } from '../pitr/support.js';
import { projectWithBadMigration } from '../before-migration/support.js';
import { filesUnder } from '../backup/support.js';

describe('a server whose archive_command fails', () => {
  let primary: Cluster;
  let storage: string;

  beforeAll(async () => {
    storage = await sharedDir('dbrollback-archive-check-');
    primary = await startCluster({ settings: { wal_level: "'replica'", archive_mode: "'on'", archive_command: "'/bin/false'", max_wal_senders: 4 } });
    await query(primary.url('postgres'), 'CREATE TABLE t AS SELECT i FROM generate_series(1, 1000) i');
  });

  afterAll(async () => {
    await primary?.stop();
  });

  it('base-backup fails within --archive-timeout (exit 1) naming the archiver\'s last failure and the log line to read; while it waits, progress shows no ETA; nothing is kept', async () => {
    const started = Date.now();
    const run = await cli(['base-backup', '--storage', storage, '--database-url', primary.url('postgres'), '--archive-timeout', '12s']);
    const took = Date.now() - started;
    expect(run.exitCode, run.stderr).toBe(1);
    expect(took).toBeLessThan(60_000);
    expect(run.stderr).toMatch(/the server waited 1\d s for its archiver to store the backup's last WAL segment, and it did not: the archiver's last attempt failed \(pg_stat_archiver: last_failed_wal [0-9A-F]{24} at \S+, \d+ failures? since the statistics were reset\)/);
    expect(run.stderr).toMatch(/hint: No manifest was written: this backup is incomplete and will never be used\. .*"archive command failed with exit code N"/);
    const lines = run.stderr.split('\n');
    const waiting = lines.findIndex((l) => l.includes('the server is waiting for its archiver'));
    expect(waiting).toBeGreaterThanOrEqual(0);
    const after = lines.slice(waiting + 1).filter((l) => l.startsWith('upload:'));
    expect(after.some((l) => /no bytes for \d+ s/.test(l)), run.stderr).toBe(true);
    expect(after.filter((l) => l.includes('ETA'))).toEqual([]);
    // Neither a tar nor a manifest stays behind.
    expect(await filesUnder(path.join(storage, 'backups'))).toEqual([]);
  }, 90_000);

  it('the next base-backup is refused before it starts (exit 1), and nothing is written to the storage', async () => {
    const before = await filesUnder(storage);
    const started = Date.now();
    const run = await cli(['base-backup', '--storage', storage, '--database-url', primary.url('postgres'), '--json']);
    expect(run.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    const error = run.json<{ error: { code: string; message: string; hint: string } }>().error;
    expect(error.code).toBe('ARCHIVE_FAILING');
    expect(error.message).toMatch(/^WAL archiving is failing: the archiver's last attempt failed \(pg_stat_archiver: last_failed_wal [0-9A-F]{24}/);
    expect(error.hint).toMatch(/^Nothing was stored\./);
    expect(await filesUnder(storage)).toEqual(before);
  });

  it('--archive-timeout that is not a duration is bad usage (exit 2)', async () => {
    const run = await cli(['base-backup', '--storage', storage, '--database-url', primary.url('postgres'), '--archive-timeout', 'soon']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--archive-timeout must be a duration like 5s, 500ms or 2m \(got "soon"\)/);
  });

  it('backups --check with the database exits 3 and says archiving is failing now', async () => {
    const run = await cli(['backups', '--check', '--storage', storage, '--database-url', primary.url('postgres'), '--json']);
    expect(run.exitCode).toBe(3);
    const doc = run.json<{ ok: boolean; pitrToNow: { possible: boolean; reason: string }; server: { failingNow: boolean; failedCount: number; lastFailedWal: string } }>();
    expect(doc.ok).toBe(false);
    expect(doc.server.failingNow).toBe(true);
    expect(doc.server.failedCount).toBeGreaterThan(0);
    expect(doc.pitrToNow.reason).toMatch(/^WAL archiving is failing/);
    const human = await cli(['backups', '--check', '--storage', storage, '--database-url', primary.url('postgres')]);
    expect(human.exitCode).toBe(3);
    expect(human.stdout).toMatch(/ARCHIVING IS FAILING NOW: WAL archiving is failing/);
  });

  it('migrate --backup auto takes a logical backup instead, saying why; --backup never is refused (exit 4) with nothing applied', async () => {
    const database = (await primary.createDatabase()).database;
    const args = [...(await projectWithBadMigration('sql')), '--database-url', primary.url(database), '--storage', storage];
    const never = await cli(['migrate', '--count', '1', '--backup', 'never', '--json', ...args]);
    expect(never.exitCode).toBe(4);
    expect(never.json<{ error: { code: string; message: string } }>().error.message).toMatch(/--backup never relies on restore points alone, and the WAL archive behind them is failing/);
    expect(await query(primary.url(database), "SELECT to_regclass('dbrollback_migrations') IS NULL AS none")).toEqual([{ none: true }]);
    const auto = await cli(['migrate', '--count', '1', '--json', ...args]);
    expect(auto.exitCode, auto.stderr).toBe(0);
    const doc = auto.json<{ recovery: { via: string; backupId: string; detail: string } }>();
    expect(doc.recovery.via).toBe('logical-backup');
    expect(doc.recovery.detail).toMatch(/no working WAL archive, so restore points would be worthless — /);
  });
});
