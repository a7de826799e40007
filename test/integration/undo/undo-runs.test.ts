import { readFile, writeFile, mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup, listHistory, openAdapter, openStorage, plan, resolveConfig, undo } from '../../../src/index.js';
import { copyFixture } from '../tools/support.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { shopAt } from './support.js';
import { runOf } from '../../harness/runs.js';

describe('undo runs: failures midway, concurrency, traffic hooks', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  it('a down failing in the middle leaves the database at the last fully undone migration; the message and the audit record say so', async () => {
    // 003's down runs CONCURRENTLY, so the sql adapter undoes one migration per transaction.
    const fixture = await copyFixture('sql/shop');
    await writeFile(path.join(fixture.dir, '003_index-orders-customer.down.sql'), 'DROP INDEX CONCURRENTLY IF EXISTS orders_customer_id_idx;\nSELECT no_such_function();\n');
    try {
      const p = await shopAt(cluster, 'sql', 2, { migrations: fixture.dir }); // head 004
      // The schema round trip's rehearsal in a throwaway database meets the failing down first: refused, nothing touched.
      const refused = await undo(runOf(p.config), { yes: true, target: { count: 2 } });
      expect(refused.outcome).toBe('refused');
      expect(refused.error).toMatchObject({ code: 'SCHEMA_ROUND_TRIP', exitCode: 4 });
      expect(refused.error?.message).toMatch(/could not be rehearsed .*down 003_index-orders-customer failed: .*no_such_function/);
      expect((await cluster.sql<{ name: string }>(p.database, 'SELECT name FROM dbrollback_migrations ORDER BY name')).map((h) => h.name)).toHaveLength(4);
      // Accepted, the downs run on the database itself and fail midway.
      const report = await undo(runOf(p.config), { yes: true, acceptSchemaDifference: true, target: { count: 2 } });
      expect(report.ok).toBe(false);
      expect(report.outcome).toBe('failed');
      expect(report.error?.exitCode).toBe(1);
      expect(report.undone).toEqual(['004_rename-order-note']);
      expect(report.notUndone).toEqual(['003_index-orders-customer']);
      expect(report.error?.message).toMatch(/004_rename-order-note/);
      expect(report.error?.message).toMatch(/003_index-orders-customer/);
      expect(report.steps.find((s) => s.name === 'down')?.status).toBe('failed');
      expect(report.steps.find((s) => s.name === 'verify')?.status).toBe('not-run');
      const history = await cluster.sql<{ name: string }>(p.database, 'SELECT name FROM dbrollback_migrations ORDER BY name');
      expect(history.map((h) => h.name)).toEqual(['001_create-tables', '002_add-customer-phone', '003_index-orders-customer']);
      const columns = await cluster.sql(p.database, "SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'");
      expect(columns).toHaveLength(1);
      const [entry] = await listHistory(openStorage(p.storageDir));
      expect(entry!.record).toMatchObject({ outcome: 'failed', undone: ['004_rename-order-note'], notUndone: ['003_index-orders-customer'], backupId: report.backupId });
      expect(entry!.record!.error!.message).toBe(report.error!.message);
    } finally {
      await fixture.cleanup();
    }
  });

  it('a restore-type plan names the newest complete backup taken at the target head, and undo points to it', async () => {
    const p = await shopAt(cluster, 'sql', 2); // head 004
    const older = await backup(runOf(p.config), { label: 'older' });
    const atHead = await backup(runOf(p.config), { label: 'before 005' });
    const adapter = await openAdapter(p.config);
    await adapter.up(1); // 005 drops customers.legacy_code: a down cannot bring it back
    const after = await backup(runOf(p.config), { label: 'after 005' }); // at head 005: not a way back
    const result = await plan(runOf(p.config), { target: { count: 1 } });
    expect(result.type).toBe('restore');
    expect(result.restoreFrom?.backupId).toBe(atHead.manifest.id);
    expect(result.restoreFrom?.backupId).not.toBe(older.manifest.id);
    expect(result.restoreFrom?.backupId).not.toBe(after.manifest.id);
    // 005 touched only public.customers, but this storage holds no base backup: no point-in-time restore can run, so the
    // table route restores public.customers from the backup at the target head (--backup auto), the whole database second.
    expect(result.pitrUnreachable).toBe('the storage holds no base backup to start one from');
    expect(result.tableRouteNote).toBeNull();
    const restores = result.steps.filter((s) => s.action === 'restore').map((s) => s.detail);
    expect(restores).toHaveLength(2);
    expect(restores[0]).toContain('--backup auto --tables public.customers --into-database URL');
    expect(restores[0]).toContain(`public.customers as it was in backup ${atHead.manifest.id}, taken at the head before 005_drop-customer-legacy-code`);
    expect(restores[1]).toContain(atHead.manifest.id);
    expect(restores.join('\n')).not.toContain('--data-dir');
    const refused = await undo(runOf(p.config), { yes: true,  target: { count: 1 } });
    expect(refused.error?.code).toBe('IRREVERSIBLE');
    expect(refused.error?.hint).toContain(`dbrollback restore --backup ${atHead.manifest.id}`);
  });

  it('a second concurrent undo fails fast, naming the holder of the lock', async () => {
    const p = await shopAt(cluster, 'sql', 2);
    const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'dbrollback-hook-')), 'paused');
    // The first run holds the lock while its pause hook waits.
    const first = undo(runOf(p.config), { yes: true,  target: { count: 1 }, pauseTraffic: `touch '${marker}'; sleep 3` });
    for (let i = 0; i < 100; i++) {
      if (await readFile(marker).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = Date.now();
    const second = await undo(runOf(p.config), { yes: true,  target: { count: 1 } });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(second.error?.code).toBe('LOCK_HELD');
    expect(second.error?.message).toMatch(/another dbrollback is already running against this database \(lock held by pid \d+/);
    const firstReport = await first;
    expect(firstReport.error).toBeNull();
    expect(firstReport.undone).toEqual(['004_rename-order-note']);
  });

  it('refuses while the migration tool itself is running (its advisory lock is held)', async () => {
    const p = await shopAt(cluster, 'node-pg-migrate', 2);
    const { default: pg } = await import('pg');
    const holder = new pg.Client({ ...cluster.conn(p.database), application_name: 'deploy-job' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7241865325823964)');
      const report = await undo(runOf(p.config), { yes: true,  target: { count: 1 } });
      expect(report.error?.code).toBe('LOCK_HELD');
      expect(report.error?.message).toMatch(/node-pg-migrate is running against this database/);
      expect(report.error?.message).toMatch(/deploy-job/);
    } finally {
      await holder.end();
    }
  });

  it('runs the traffic hooks in order around a passing verify', async () => {
    const p = await shopAt(cluster, 'sql', 2);
    const log = path.join(await mkdtemp(path.join(os.tmpdir(), 'dbrollback-hook-')), 'hooks.log');
    const report = await undo(runOf(p.config), { yes: true, 
      target: { count: 1 },
      pauseTraffic: `echo "pause $DBROLLBACK_HOOK" >> '${log}'`,
      resumeTraffic: `echo "resume $DBROLLBACK_HOOK backup=$DBROLLBACK_BACKUP_ID" >> '${log}'`,
    });
    expect(report.error).toBeNull();
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toEqual(['pause pause-traffic', `resume resume-traffic backup=${report.backupId}`]);
    expect(report.steps.map((s) => s.name)).toEqual(['lock', 'plan', 'safety', 'confirm', 'pause-traffic', 'backup', 'down', 'verify', 'resume-traffic']);
  });

  it('a failing pause hook stops the run before the backup and the downs (exit 1, nothing changed)', async () => {
    const p = await shopAt(cluster, 'sql', 2);
    const report = await undo(runOf(p.config), { yes: true,  target: { count: 1 }, pauseTraffic: 'echo cannot reach the load balancer >&2; exit 7' });
    expect(report.error?.code).toBe('HOOK_FAILED');
    expect(report.error?.exitCode).toBe(1);
    expect(report.error?.message).toMatch(/the --pause-traffic command exited with code 7/);
    expect(report.error?.message).toMatch(/no migration was undone/);
    expect(report.steps.find((s) => s.name === 'backup')?.status).toBe('not-run');
    expect(report.steps.find((s) => s.name === 'down')?.status).toBe('not-run');
    const history = await cluster.sql<{ name: string }>(p.database, 'SELECT name FROM dbrollback_migrations ORDER BY name DESC LIMIT 1');
    expect(history[0]!.name).toBe('004_rename-order-note');
  });

  it('does not resume traffic after a failed verify; exit 3 names the backup to restore from', async () => {
    const checksDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-checks-'));
    await mkdir(checksDir, { recursive: true });
    await writeFile(path.join(checksDir, 'orders-have-notes.sql'), 'SELECT count(*) = 0 FROM orders WHERE note IS NOT NULL;\n');
    const base = await shopAt(cluster, 'sql', 2);
    const configFile = path.join(checksDir, '..', `cfg-${path.basename(checksDir)}.json`);
    await writeFile(configFile, JSON.stringify({ checksDir }));
    const config = await resolveConfig({ ...base.flags, config: configFile }, { env: {} });
    const log = path.join(checksDir, 'hooks.log');
    const report = await undo(runOf(config), { yes: true,
      target: { count: 1 },
      pauseTraffic: `echo pause >> '${log}'`,
      resumeTraffic: `echo resume >> '${log}'`,
    });
    expect(report.outcome).toBe('verify-failed');
    expect(report.error?.exitCode).toBe(3);
    expect(report.error?.message).toMatch(/Traffic was NOT resumed/);
    expect(report.error?.hint).toContain(`dbrollback restore --backup ${report.backupId}`);
    expect(report.verify?.checks.find((c) => c.id === 'custom')?.status).toBe('fail');
    expect(report.steps.find((s) => s.name === 'resume-traffic')?.status).toBe('not-run');
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['pause']);
  });
});
