/**
 * The same point-in-time restore against the S3-protocol server: the
 * primary's archive_command and the copy's restore_command both talk S3,
 * with credentials from the environment (never in the storage URL).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../harness/cluster.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import { archiveCurrentSegment, archivingCluster, baseBackup, cli, markTarget, query, sharedDir, type Marks } from './support.js';

async function ledger(url: string): Promise<Array<{ id: number; amount: number }>> {
  return query<{ id: number; amount: number }>(url, 'SELECT id, amount FROM ledger ORDER BY id');
}

describe('restore --point-in-time | --restore-point (S3 storage)', () => {
  let s3: S3Server;
  let primary: Cluster;
  let storageUrl: string;
  let work: string;
  let marks: Marks;
  let good: Array<{ id: number; amount: number }>;

  beforeAll(async () => {
    s3 = await startS3Server(['wal']);
    storageUrl = s3.storageUrl('wal', 'prod');
    work = await sharedDir('dbrollback-pitr-s3-');
    primary = await archivingCluster(storageUrl, s3.env);
    const url = primary.url('postgres');
    await query(url, 'CREATE TABLE ledger (id int PRIMARY KEY, amount int NOT NULL); INSERT INTO ledger SELECT i, i FROM generate_series(1, 1000) i');
    await baseBackup(storageUrl, primary.url('postgres'), s3.env);
    await query(url, 'UPDATE ledger SET amount = amount + 1 WHERE id <= 10');
    good = await ledger(url);
    marks = await markTarget(url, 'before-drop');
    await query(url, 'DROP TABLE ledger');
    await archiveCurrentSegment(url);
  });

  afterAll(async () => {
    await primary?.stop();
    await s3?.stop();
  });

  for (const [flag, value] of [['--point-in-time', () => marks.time], ['--restore-point', () => marks.restorePoint]] as const) {
    it(`${flag} recovers the dropped table exactly`, async () => {
      const dataDir = path.join(work, flag.slice(2));
      const run = await cli(['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), flag, value(), '--data-dir', dataDir, '--json'], s3.env);
      expect(run.exitCode, run.stderr).toBe(0);
      const report = run.json<{ ok: boolean; port: number; startCommand: string; recovery: { segmentsFetched: number } }>();
      expect(report.ok).toBe(true);
      expect(report.recovery.segmentsFetched).toBeGreaterThan(0);
      const { execa } = await import('execa');
      await execa('sh', ['-c', report.startCommand.replace(' start', ' -w start')]);
      const copyUrl = primary.url('postgres').replace(`:${primary.port}/`, `:${report.port}/`);
      try {
        expect(await ledger(copyUrl)).toEqual(good);
        const settings = await query<{ archive_mode: string }>(copyUrl, "SELECT current_setting('archive_mode') AS archive_mode");
        expect(settings).toEqual([{ archive_mode: 'off' }]);
      } finally {
        await execa('sh', ['-c', report.startCommand.replace(/ -l \S+ start$/, ' -m fast -w stop')]);
      }
    });
  }

  it('with the S3 server down, nothing is written and the failure names the storage', async () => {
    const dataDir = path.join(work, 'down');
    await s3.kill();
    const run = await cli(['restore', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--point-in-time', marks.time, '--data-dir', dataDir], s3.env);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/cannot reach/);
    const { stat } = await import('node:fs/promises');
    await expect(stat(dataDir)).rejects.toThrow();
  });
});
