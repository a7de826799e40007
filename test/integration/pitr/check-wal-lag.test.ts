/**
 * check-wal of a time-target restore when archiving lags: a segment archived
 * after T may hold only WAL written before T. The chain is checked up to the
 * segment holding the first commit after T (read from the archived WAL with
 * pg_waldump); when that one is not archived yet, the restore is refused
 * before anything is written, naming it. A commit after T in the last segment
 * archived in a row is enough to pass (the segments of a long transaction
 * after T are not read one by one).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../harness/cluster.js';
import { archiveCommand, archiveCurrentSegment, archivingCluster, baseBackup, cli, markTarget, query, sharedDir } from './support.js';

describe('check-wal when archiving lags behind the target', () => {
  let primary: Cluster | undefined;
  afterAll(async () => primary?.stop());

  it('refuses (exit 2, the copy directory left as it was) naming the segment that holds the first commit after T, though a segment was archived after T', async () => {
    const storageDir = await sharedDir('dbrollback-lag-store-');
    const storage = pathToFileURL(storageDir).href;
    primary = await archivingCluster(storage);
    const url = primary.url('postgres');
    await query(url, 'CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL)');
    await archiveCurrentSegment(url);
    await baseBackup(storage, url);
    // The archiver stalls (as when the storage is slow): closed segments wait.
    const setCommand = async (command: string) => {
      await query(url, `ALTER SYSTEM SET archive_command = '${command.replace(/'/g, "''")}'`);
      await query(url, 'SELECT pg_reload_conf()');
    };
    await setCommand('false');
    await query(url, 'INSERT INTO ledger (amount) SELECT g FROM generate_series(1, 1000) g');
    const [{ before }] = (await query<{ before: string }>(url, 'SELECT pg_walfile_name(pg_switch_wal()) AS before')) as [{ before: string }];
    const marks = await markTarget(url, 'lagging');
    // The first commit after T lands in the current segment, which is not closed (so never archived).
    await query(url, 'INSERT INTO ledger (amount) VALUES (-1)');
    const [{ current }] = (await query<{ current: string }>(url, 'SELECT pg_walfile_name(pg_current_wal_insert_lsn()) AS current')) as [{ current: string }];
    // The archiver catches up on the closed segment — archived after T, holding only WAL from before T.
    await setCommand(archiveCommand(storage));
    for (let i = 0; i < 300; i++) {
      const [row] = await query<{ last: string | null }>(url, 'SELECT last_archived_wal AS last FROM pg_stat_archiver');
      if (row?.last && row.last >= before) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await readdir(path.join(storageDir, 'wal', '00000001'))).map((n) => n.slice(0, 24))).toContain(before);

    const dataDir = path.join(await sharedDir('dbrollback-lag-work-'), 'copy');
    const run = await cli(['restore', '--storage', storage, '--database-url', url, '--point-in-time', marks.time, '--data-dir', dataDir, '--json']);
    expect(run.exitCode, run.stderr).toBe(2);
    const error = run.json<{ error: { code: string; message: string; hint: string } }>().error;
    expect(error.code).toBe('WAL_MISSING');
    expect(error.message).toContain(`WAL segment ${current} is not in the archive yet`);
    expect(error.message).toContain('archiving lags');
    // The reading-on ran alongside the extract: the hint says the extract was stopped and what it wrote removed, and it was.
    expect(error.hint).toContain(`${dataDir} is as it was: the base backup was being extracted into it alongside this check; that was stopped and what it wrote removed.`);
    await expect(stat(dataDir)).rejects.toThrow();
    // The refused run is on record (its journal was open while the extract ran), refused, not interrupted.
    const runs = (await cli(['history', '--json', '--storage', storage, '--database-url', url])).json<{ runs: Array<{ command: string; outcome: string; error?: { code: string } | null }> }>().runs;
    expect(runs.filter((r) => r.command === 'restore').map((r) => [r.outcome, r.error?.code])).toEqual([['failed', 'WAL_MISSING']]);

    // Once it is archived, the same restore goes ahead and lands exactly at T.
    await archiveCurrentSegment(url);
    const port = await (await import('../../harness/cluster.js')).freePort();
    const again = await cli(['restore', '--storage', storage, '--database-url', url, '--point-in-time', marks.time, '--data-dir', dataDir, '--port', String(port), '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const copy = url.replace(`:${primary.port}/`, `:${port}/`);
    const [row] = await query<{ n: string; neg: string }>(copy, 'SELECT count(*)::text AS n, count(*) FILTER (WHERE amount < 0)::text AS neg FROM ledger');
    expect(row).toEqual({ n: '1000', neg: '0' });
    const { stopCopy } = await import('./support.js');
    await stopCopy(dataDir);
  }, 180_000);
  it('a long transaction after T spanning segments: the last segment archived holds its commit, enough to pass without reading those between (wal.upTo), and the copy holds exactly the data at T', async () => {
    const storageDir = await sharedDir('dbrollback-long-store-');
    const storage = pathToFileURL(storageDir).href;
    const long = await archivingCluster(storage);
    try {
      const url = long.url('postgres');
      // No commit but the damage's after T: autovacuum's own would land in the segments between.
      await query(url, 'ALTER SYSTEM SET autovacuum = off');
      await query(url, 'SELECT pg_reload_conf()');
      await query(url, 'CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL)');
      await archiveCurrentSegment(url);
      await baseBackup(storage, url);
      await query(url, 'INSERT INTO ledger (amount) SELECT g FROM generate_series(1, 1000) g');
      await archiveCurrentSegment(url);
      const marks = await markTarget(url, 'long');
      // The damage: one transaction over four segments, its commit in the last.
      await query(url, 'BEGIN; UPDATE ledger SET amount = 0; SELECT pg_switch_wal(); INSERT INTO ledger (amount) VALUES (-1); SELECT pg_switch_wal(); INSERT INTO ledger (amount) VALUES (-2); SELECT pg_switch_wal(); DELETE FROM ledger WHERE id % 2 = 0; COMMIT');
      await archiveCurrentSegment(url);

      const dataDir = path.join(await sharedDir('dbrollback-long-work-'), 'copy');
      const port = await (await import('../../harness/cluster.js')).freePort();
      const run = await cli(['restore', '--storage', storage, '--database-url', url, '--point-in-time', marks.time, '--data-dir', dataDir, '--port', String(port), '--json']);
      expect(run.exitCode, run.stderr).toBe(0);
      const report = run.json<{ wal: { segments: number; last: string; upTo?: boolean }; steps: Array<{ name: string; detail: string }> }>();
      expect(report.wal.upTo).toBe(true);
      expect(report.steps.find((s) => s.name === 'extract')?.detail).toContain(`a commit after the target is in ${report.wal.last}: recovery stops there at the latest`);
      const copy = url.replace(`:${long.port}/`, `:${port}/`);
      const [row] = await query<{ n: string; sum: string }>(copy, 'SELECT count(*)::text AS n, sum(amount)::text AS sum FROM ledger');
      expect(row).toEqual({ n: '1000', sum: String((1000 * 1001) / 2) });
      const { stopCopy } = await import('./support.js');
      await stopCopy(dataDir);
    } finally {
      await long.stop();
    }
  }, 180_000);
});
