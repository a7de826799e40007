/**
 * The fault matrix: the built CLI stopped at each step of backup, undo and
 * in-place restore — by SIGTERM (it stops at the next safe point, records
 * where, exits 143) and by kill -9 (it dies on the spot; the journal in the
 * storage still tells how far it got). After each: no backup without a
 * manifest is usable, the database is untouched or in exactly the state the
 * journal names, and running the same command again completes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapter, resolveConfig } from '../../src/index.js';
import { interruptBuiltCli, PROJECT_ROOT, runBuiltCli } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { startS3Server, type S3Server } from '../harness/s3-server.js';

const SQL_SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');

interface Run {
  key: string;
  outcome: string;
  command?: string;
  lastCompletedStep?: string | null;
  databaseState?: string;
  steps?: Array<{ name: string; status: string }>;
}

describe('interrupted runs (built CLI, fault points)', () => {
  let cluster: Cluster;
  let s3: S3Server;

  beforeAll(async () => {
    [cluster, s3] = await Promise.all([startCluster(), startS3Server(['faults'])]);
  });
  afterAll(async () => Promise.all([cluster?.stop(), s3?.stop()]));

  /** A shop database at 004 (seeded), with its own storage directory. */
  async function shop(more = 2): Promise<{ url: string; database: string; storage: string; args: string[] }> {
    const db = await cluster.createDatabase();
    const url = cluster.url(db.database);
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-faults-'));
    const adapter = await openAdapter(await resolveConfig({ databaseUrl: url, migrations: SQL_SHOP }, { env: {} }));
    await adapter.up(2);
    await cluster.sql(db.database, await readFile(path.join(PROJECT_ROOT, 'migrations-fixtures', 'seed.sql'), 'utf8'));
    if (more > 0) await adapter.up(more);
    await adapter.close();
    return { url, database: db.database, storage, args: ['--database-url', url, '--migrations', SQL_SHOP, '--storage', storage] };
  }

  const historyOf = async (args: string[]) => (await runBuiltCli(['history', ...args, '--json'])).json<{ runs: Run[] }>().runs;
  const completeBackups = async (args: string[]) => (await runBuiltCli(['backups', ...args, '--json'])).json<{ backups: Array<{ id: string; status: string }> }>().backups.filter((b) => b.status === 'complete');
  const head = async (database: string) => (await cluster.sql<{ name: string }>(database, 'SELECT name FROM dbrollback_migrations ORDER BY name DESC LIMIT 1'))[0]!.name;
  const rows = async (database: string) => (await cluster.sql<{ n: number }>(database, 'SELECT count(*)::int AS n FROM orders'))[0]!.n;

  describe('backup', () => {
    it.each([
      ['backup:dump', 'mid pg_dump stream'],
      ['backup:readback', 'during the read-back'],
      ['backup:before-manifest', 'after the upload, before the manifest'],
    ])('SIGTERM at %s (%s): exit 143, recorded as interrupted, nothing usable left, and a new backup completes', async (point) => {
      const s = await shop();
      const r = await interruptBuiltCli(['backup', ...s.args, '--json'], point, 'SIGTERM');
      expect(r.paused).toBe(true);
      expect(r.exitCode).toBe(143);
      expect(r.json()).toMatchObject({ ok: false, error: { code: 'TERMINATED' } });
      expect(r.stderr).toMatch(/no manifest was written, so it does not exist/);
      // The partial dump was removed: no backup at all, not even an incomplete one.
      expect((await runBuiltCli(['backups', ...s.args, '--json'])).json<{ backups: unknown[] }>().backups).toEqual([]);
      const [run] = await historyOf(s.args);
      expect(run).toMatchObject({ command: 'backup', outcome: 'interrupted' });
      const again = await runBuiltCli(['backup', ...s.args]);
      expect(again.exitCode).toBe(0);
      expect((await completeBackups(s.args)).map((b) => b.id)).toEqual([again.stdout.trim()]);
    });

    it.each(['backup:dump', 'backup:before-manifest'])('kill -9 at %s: the dump without a manifest is never listed as usable; history shows the run interrupted', async (point) => {
      const s = await shop();
      const r = await interruptBuiltCli(['backup', ...s.args], point, 'SIGKILL');
      expect(r.paused).toBe(true);
      expect(await completeBackups(s.args)).toEqual([]);
      const runs = await historyOf(s.args);
      expect(runs[0]).toMatchObject({ command: 'backup', outcome: 'interrupted', lastCompletedStep: null });
      // A restore of "latest" finds nothing usable rather than the partial dump.
      const restore = await runBuiltCli(['restore', ...s.args, '--backup', 'latest', '--target-database', cluster.url(`${s.database}_x`), '--json']);
      expect(restore.exitCode).toBe(2);
      expect(restore.json()).toMatchObject({ error: { code: 'BACKUP_NOT_FOUND' } });
      expect((await runBuiltCli(['backup', ...s.args])).exitCode).toBe(0);
    });

    it('kill -9 mid-stream to S3 leaves no usable backup, and the next backup completes', async () => {
      const s = await shop();
      const env = { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint };
      const args = ['--database-url', s.url, '--storage', 's3://faults/mid?forcePathStyle=true'];
      const r = await interruptBuiltCli(['backup', ...args], 'backup:dump', 'SIGKILL', { env });
      expect(r.paused).toBe(true);
      const list = await runBuiltCli(['backups', ...args, '--json'], { env });
      expect(list.json<{ backups: Array<{ status: string }> }>().backups.filter((b) => b.status === 'complete')).toEqual([]);
      expect((await runBuiltCli(['backup', ...args], { env })).exitCode).toBe(0);
    });
  });

  describe('undo', () => {
    it('kill -9 after the backup: the database is untouched, status and history say so, and undo again completes noting the interrupted run', async () => {
      const s = await shop();
      const r = await interruptBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss'], 'undo:after-backup', 'SIGKILL');
      expect(r.paused).toBe(true);
      expect(await head(s.database)).toBe('004_rename-order-note');
      const [run] = await historyOf(s.args);
      expect(run).toMatchObject({ command: 'undo', outcome: 'interrupted', lastCompletedStep: 'backup' });
      expect(run!.databaseState).toMatch(/0 of 1 migrations undone; backup \S+ was complete/);
      const status = await runBuiltCli(['status', ...s.args]);
      expect(status.stdout).toMatch(/INTERRUPTED: undo .* last completed step: backup/);
      const again = await runBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--json']);
      expect(again.exitCode).toBe(0);
      expect(again.stderr).toMatch(/note: an earlier undo .* was interrupted after step backup/);
      expect(await head(s.database)).toBe('003_index-orders-customer');
    });

    it('kill -9 inside the downs (one transaction): nothing is undone, and undo again completes', async () => {
      const s = await shop();
      const before = await rows(s.database);
      const r = await interruptBuiltCli(['undo', ...s.args, '--count', '2', '--yes', '--accept-data-loss'], 'undo:in-down-transaction', 'SIGKILL');
      expect(r.paused).toBe(true);
      // The server rolled the transaction back when the connection died.
      expect(await head(s.database)).toBe('004_rename-order-note');
      expect(await rows(s.database)).toBe(before);
      const again = await runBuiltCli(['undo', ...s.args, '--count', '2', '--yes', '--accept-data-loss']);
      expect(again.exitCode).toBe(0);
      expect(await head(s.database)).toBe('002_add-customer-phone');
    });

    it('SIGTERM inside the downs: the downs finish their transaction (never cut in half), then the run stops before verify with exit 143', async () => {
      const s = await shop();
      const r = await interruptBuiltCli(['undo', ...s.args, '--count', '2', '--yes', '--accept-data-loss', '--json'], 'undo:in-down-transaction', 'SIGTERM');
      expect(r.paused).toBe(true);
      expect(r.exitCode).toBe(143);
      const report = r.json<{ outcome: string; undone: string[]; steps: Array<{ name: string; status: string }>; error: { code: string; message: string } }>();
      expect(report.outcome).toBe('interrupted');
      expect(report.undone).toEqual(['004_rename-order-note', '003_index-orders-customer']);
      expect(report.steps.find((x) => x.name === 'verify')?.status).toBe('not-run');
      expect(report.error.message).toMatch(/undone: 004_rename-order-note, 003_index-orders-customer/);
      expect(await head(s.database)).toBe('002_add-customer-phone');
      const [run] = await historyOf(s.args);
      expect(run).toMatchObject({ command: 'undo', outcome: 'interrupted' });
    });

    it.each(['undo:before-verify', 'undo:before-resume'])('SIGTERM at %s: exit 143, traffic is not resumed, the audit record names the step', async (point) => {
      const s = await shop();
      const marker = path.join(s.storage, 'resumed');
      const r = await interruptBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--resume-traffic', `touch '${marker}'`, '--json'], point, 'SIGTERM');
      expect(r.paused).toBe(true);
      expect(r.exitCode).toBe(143);
      const steps = r.json<{ steps: Array<{ name: string; status: string }> }>().steps;
      expect(steps.find((x) => x.name === 'resume-traffic')?.status).toBe('not-run');
      expect(await readFile(marker).then(() => true, () => false)).toBe(false);
      expect(await head(s.database)).toBe('003_index-orders-customer');
    });
  });

  describe('in-place restore', () => {
    async function backedUp() {
      const s = await shop();
      const made = await runBuiltCli(['backup', ...s.args]);
      expect(made.exitCode).toBe(0);
      await cluster.sql(s.database, 'DELETE FROM order_items');
      return { ...s, id: made.stdout.trim() };
    }

    it('kill -9 during pg_restore: the original database is untouched, and restore again completes', async () => {
      const s = await backedUp();
      const r = await interruptBuiltCli(['restore', ...s.args, '--backup', s.id, '--yes'], 'restore:pg-restore', 'SIGKILL');
      expect(r.paused).toBe(true);
      expect((await cluster.sql<{ n: number }>(s.database, 'SELECT count(*)::int AS n FROM order_items'))[0]!.n).toBe(0);
      const [run] = await historyOf(s.args);
      expect(run).toMatchObject({ command: 'restore', outcome: 'interrupted', lastCompletedStep: 'target' });
      const again = await runBuiltCli(['restore', ...s.args, '--backup', s.id, '--yes', '--terminate-connections']);
      expect(again.exitCode).toBe(0);
      expect((await cluster.sql<{ n: number }>(s.database, 'SELECT count(*)::int AS n FROM order_items'))[0]!.n).toBeGreaterThan(0);
    });

    it('SIGTERM between verify and the swap: exit 143, the verified copy is removed, the original is unchanged', async () => {
      const s = await backedUp();
      const r = await interruptBuiltCli(['restore', ...s.args, '--backup', s.id, '--yes', '--json'], 'restore:before-swap', 'SIGTERM');
      expect(r.paused).toBe(true);
      expect(r.exitCode).toBe(143);
      expect(r.json()).toMatchObject({ ok: false, outcome: 'interrupted', error: { code: 'TERMINATED' } });
      expect(r.json<{ error: { message: string } }>().error.message).toMatch(/the restored copy was removed and .* is unchanged/);
      const leftovers = await cluster.sql<{ datname: string }>('postgres', "SELECT datname FROM pg_database WHERE datname LIKE $1", [`${s.database}_dbrollback_%`]);
      expect(leftovers).toEqual([]);
      expect((await cluster.sql<{ n: number }>(s.database, 'SELECT count(*)::int AS n FROM order_items'))[0]!.n).toBe(0);
    });
  });

  describe('wal-push and migrate', () => {
    it('kill -9 mid-upload of a WAL segment leaves nothing under its name; the retry PostgreSQL makes stores it', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-faults-wal-'));
      const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-faults-archive-'));
      const name = '000000010000000000000003';
      const segment = path.join(dir, name);
      await writeFile(segment, randomBytes(16 * 1024 * 1024));
      const r = await interruptBuiltCli(['wal-push', segment, '--storage', storage], 'wal-push:upload', 'SIGKILL');
      expect(r.paused).toBe(true);
      const dest = path.join(dir, 'RECOVERYXLOG');
      // Not half an object: the archive has no such file at all (exit 1, what recovery reads as "end of archive").
      expect((await runBuiltCli(['wal-fetch', name, dest, '--storage', storage, '--prefetch', '0'])).exitCode).toBe(1);
      expect((await runBuiltCli(['wal-push', segment, '--storage', storage])).exitCode).toBe(0);
      expect((await runBuiltCli(['wal-fetch', name, dest, '--storage', storage, '--prefetch', '0'])).exitCode).toBe(0);
      expect((await readFile(dest)).equals(await readFile(segment))).toBe(true);
    });

    it('kill -9 between two migrations: the journal names the one applied, and migrate again applies the rest', async () => {
      const s = await shop(0);
      const r = await interruptBuiltCli(['migrate', ...s.args, '--count', '2', '--backup', 'never'], 'migrate:after-up', 'SIGKILL');
      expect(r.paused).toBe(true);
      expect(await head(s.database)).toBe('003_index-orders-customer');
      const [run] = await historyOf(s.args);
      expect(run).toMatchObject({ command: 'migrate', outcome: 'interrupted' });
      expect(run!.databaseState).toMatch(/1 of 2 migrations applied \(003_index-orders-customer\)/);
      const again = await runBuiltCli(['migrate', ...s.args, '--count', '1', '--backup', 'never']);
      expect(again.exitCode).toBe(0);
      expect(await head(s.database)).toBe('004_rename-order-note');
    });

    it('SIGTERM between two migrations: the one being applied finishes, the next does not start, exit 143', async () => {
      const s = await shop(0);
      const r = await interruptBuiltCli(['migrate', ...s.args, '--count', '2', '--backup', 'never', '--json'], 'migrate:after-up', 'SIGTERM');
      expect(r.paused).toBe(true);
      expect(r.exitCode).toBe(143);
      expect(r.json()).toMatchObject({ ok: false, outcome: 'interrupted', applied: ['003_index-orders-customer'], error: { code: 'TERMINATED' } });
      expect(await head(s.database)).toBe('003_index-orders-customer');
    });
  });
});
