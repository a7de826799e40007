/**
 * The built CLI as a user runs it: a backup to S3 through the AWS
 * environment variables, listed and restored, with progress on stderr and
 * exactly one JSON document on stdout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';

describe('backup, backups, restore (built CLI)', () => {
  let cluster: Cluster;
  let s3: S3Server;
  beforeAll(async () => {
    [cluster, s3] = await Promise.all([startCluster(), startS3Server(['e2e'])]);
  });
  afterAll(async () => Promise.all([cluster?.stop(), s3?.stop()]));

  it('backs up to s3 (endpoint from AWS_ENDPOINT_URL_S3), lists it, restores it into a new database', async () => {
    const db = uniqueName('e2e');
    await cluster.createDatabase(db);
    await cluster.sql(db, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 1000) i;");
    const env = { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint, DBROLLBACK_STORAGE: 's3://e2e/nightly?forcePathStyle=true', DATABASE_URL: cluster.url(db) };

    const made = await runBuiltCli(['backup', '--label', 'e2e'], { env });
    expect(made.exitCode).toBe(0);
    const id = made.stdout.trim();
    expect(id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    // Not a terminal: progress arrives as plain lines on stderr.
    expect(made.stderr).toMatch(/dump: .* of .* table data \(100%\), 1 of 1 tables, .*\/s — done/);
    // Everything on stderr is the tool's own: no third-party notices.
    expect(made.stderr).not.toMatch(/NodeVersionSupportWarning|AWS SDK/);
    expect(made.stderr).toMatch(/read back and checked/);

    const listed = await runBuiltCli(['backups', '--json'], { env });
    expect(listed.exitCode).toBe(0);
    expect(listed.json()).toMatchObject({ backups: [{ id, kind: 'logical', label: 'e2e', status: 'complete', verified: true, migrationHead: null }] });

    const target = uniqueName('e2e_restored');
    const restored = await runBuiltCli(['restore', '--backup', 'latest', '--target-database', cluster.url(target), '--json'], { env });
    expect(restored.exitCode).toBe(0);
    expect(restored.json()).toMatchObject({ ok: true, backupId: id, mode: 'new-database', verify: { ok: true, tables: 1 } });
    expect(await cluster.sql(target, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 1000 }]);
  });

  it('an unknown backup id exits 2 with the error as the one JSON document', async () => {
    const env = { ...s3.env, DBROLLBACK_STORAGE: s3.storageUrl('e2e', 'empty'), DATABASE_URL: cluster.url('postgres') };
    const r = await runBuiltCli(['restore', '--backup', '20200101T000000Z-000000', '--target-database', cluster.url(uniqueName('x')), '--json'], { env });
    expect(r.exitCode).toBe(2);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'BACKUP_NOT_FOUND', hint: expect.stringMatching(/dbrollback backups/) } });
  });
});
