/**
 * Gaps closed through the built CLI, as an operator runs it: verify's exit 3
 * against a backup's baseline (with encrypted storage), and `backups prune`
 * deleting exactly what it reports, objects and all.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../harness/cli.js';
import { startCluster, uniqueName, type Cluster } from '../harness/cluster.js';

describe('verify and backups prune (built CLI)', () => {
  let cluster: Cluster;
  let db: string;
  beforeAll(async () => {
    cluster = await startCluster();
    db = uniqueName('gaps');
    await cluster.createDatabase(db);
    await cluster.sql(db, `CREATE TABLE accounts (id serial PRIMARY KEY, owner text NOT NULL);
      INSERT INTO accounts (owner) SELECT 'owner ' || i FROM generate_series(1, 200) i;`);
  });
  afterAll(async () => cluster?.stop());

  it('verify exits 0 against the backup it was taken from, and 3 (do not return traffic) once a row is gone', async () => {
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-gaps-'));
    const env = { DATABASE_URL: cluster.url(db), DBROLLBACK_STORAGE: storage, DBROLLBACK_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
    const made = await runBuiltCli(['backup'], { env });
    expect(made.exitCode, made.stderr).toBe(0);
    const id = made.stdout.trim();

    const ok = await runBuiltCli(['verify', '--baseline', id, '--json'], { env });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.json()).toMatchObject({ ok: true });

    await cluster.sql(db, 'DELETE FROM accounts WHERE id = 17');
    const failed = await runBuiltCli(['verify', '--baseline', id, '--json'], { env });
    expect(failed.exitCode).toBe(3);
    const doc = failed.json<{ ok: boolean; checks: Array<{ id: string; status: string; detail: string }> }>();
    expect(doc.ok).toBe(false);
    expect(doc.checks.find((c) => c.id === 'row-counts')).toMatchObject({ status: 'fail', detail: `1 table differs from backup ${id} in row count` });
    expect(doc.checks.find((c) => c.id === 'fingerprints')?.status).toBe('fail');

    const human = await runBuiltCli(['verify', '--baseline', id], { env });
    expect(human.exitCode).toBe(3);
    expect(human.stdout).toMatch(/do not return traffic/);
    await cluster.sql(db, "INSERT INTO accounts (id, owner) VALUES (17, 'owner 17')");
  });

  it('backups prune --keep 2: a dry run deletes nothing; the real run deletes the oldest complete backup and a stale incomplete one, objects included', async () => {
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-prune-'));
    const env = { DATABASE_URL: cluster.url(db), DBROLLBACK_STORAGE: storage };
    for (let i = 0; i < 3; i++) {
      const made = await runBuiltCli(['backup', '--label', `b${i}`], { env });
      expect(made.exitCode, made.stderr).toBe(0);
    }
    // An upload that died two days ago: a dump and no manifest.
    const staleId = '20200101T000000Z-abcdef';
    await mkdir(path.join(storage, 'backups', staleId));
    const staleDump = path.join(storage, 'backups', staleId, 'dump.pgcustom');
    await writeFile(staleDump, 'half a dump');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(staleDump, twoDaysAgo, twoDaysAgo);

    const listed = (await runBuiltCli(['backups', '--json'], { env })).json<{ backups: Array<{ id: string; status: string }> }>().backups;
    expect(listed.map((b) => b.status)).toEqual(['complete', 'complete', 'complete', 'incomplete']);
    const [newest, second, oldest] = listed.map((b) => b.id);

    const dry = await runBuiltCli(['backups', 'prune', '--keep', '2', '--dry-run', '--json'], { env });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json()).toMatchObject({ dryRun: true, protectedId: newest });
    expect((dry.json() as { deleted: Array<{ id: string }> }).deleted.map((b) => b.id).sort()).toEqual([oldest, staleId].sort());
    expect((await readdir(path.join(storage, 'backups'))).sort()).toEqual([newest, second, oldest, staleId].sort());

    const real = await runBuiltCli(['backups', 'prune', '--keep', '2', '--json'], { env });
    expect(real.exitCode, real.stderr).toBe(0);
    expect((real.json() as { deleted: Array<{ id: string }> }).deleted.map((b) => b.id).sort()).toEqual([oldest, staleId].sort());
    expect(real.stderr).toMatch(new RegExp(`deleted ${oldest}`));
    expect((await readdir(path.join(storage, 'backups'))).sort()).toEqual([newest, second].sort());
    const after = (await runBuiltCli(['backups', '--json'], { env })).json<{ backups: Array<{ id: string }> }>().backups;
    expect(after.map((b) => b.id)).toEqual([newest, second]);

    const usage = await runBuiltCli(['backups', 'prune', '--json'], { env });
    expect(usage.exitCode).toBe(2);
    expect(usage.json()).toMatchObject({ ok: false, error: { code: 'USAGE', hint: expect.stringMatching(/--keep 7/) } });
  });
});
