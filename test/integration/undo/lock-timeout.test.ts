/**
 * Downs wait for locks only under lock_timeout: behind a long transaction,
 * undo retries a few times, then gives up having changed nothing and names
 * the session in the way; the application is never queued behind it for long.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undo } from '../../../src/index.js';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { catalogFingerprint, shopAt } from './support.js';
import { runOf } from '../../harness/runs.js';

/** A session of "the application" that reads orders in a transaction it keeps open (AccessShareLock on orders). */
async function longTransaction(cluster: Cluster, database: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: cluster.url(database), application_name: 'nightly-report' });
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT count(*) FROM orders');
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, pid: rows[0]!.pid };
}

describe('undo under lock_timeout', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  it('behind a long transaction the built CLI gives up: exit 1, nothing undone, the blocker named (pid, application, query start, query)', async () => {
    const p = await shopAt(cluster, 'sql', 2); // head 004: its down renames a column of orders
    const before = await catalogFingerprint(cluster, p.database);
    const blocker = await longTransaction(cluster, p.database);
    try {
      const started = Date.now();
      const r = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', '--lock-timeout', '300ms', '--database-url', cluster.url(p.database), '--storage', p.storageDir, '--migrations', p.flags.migrations!]);
      const elapsed = Date.now() - started;
      expect(r.exitCode, r.stderr).toBe(1);
      const out = r.json<{ ok: boolean; undone: string[]; error: { code: string; message: string; hint: string; details: { blockers: Array<{ pid: number; applicationName: string; queryStart: string; query: string }> } } }>();
      expect(out.ok).toBe(false);
      expect(out.undone).toEqual([]);
      expect(out.error.code).toBe('LOCK_TIMEOUT');
      expect(out.error.message).toMatch(/gave up after 3 attempts/);
      expect(out.error.message).toMatch(/no migration was undone/);
      expect(out.error.message).toContain(`pid ${blocker.pid}`);
      expect(out.error.message).toContain('application "nightly-report"');
      expect(out.error.message).toMatch(/query started \d{4}-\d\d-\d\dT/);
      expect(out.error.message).toContain('SELECT pg_backend_pid()');
      expect(out.error.hint).toContain(`pg_terminate_backend(${blocker.pid})`);
      expect(out.error.details.blockers[0]).toMatchObject({ pid: blocker.pid, applicationName: 'nightly-report' });
      // Two retries were logged, and it gave up in seconds, not after the transaction ended.
      expect(r.stderr.match(/lock not granted within 300 ms/g)).toHaveLength(2);
      expect(elapsed).toBeLessThan(30_000);
      expect(await catalogFingerprint(cluster, p.database)).toBe(before);
    } finally {
      await blocker.client.end();
    }
  });

  it.each(['node-pg-migrate', 'umzug'] as const)('%s: the downs run under the lock timeout too, and the blocker is named', async (tool) => {
    const p = await shopAt(cluster, tool, 2);
    const before = await catalogFingerprint(cluster, p.database);
    const blocker = await longTransaction(cluster, p.database);
    try {
      const report = await undo(runOf({ ...p.config, lockTimeoutMs: 200 }), { yes: true,  target: { count: 1 } });
      expect(report.error).toMatchObject({ code: 'LOCK_TIMEOUT', exitCode: 1 });
      expect(report.undone).toEqual([]);
      expect(report.error!.message).toContain(`pid ${blocker.pid}, application "nightly-report"`);
      expect(await catalogFingerprint(cluster, p.database)).toBe(before);
    } finally {
      await blocker.client.end();
    }
  });

  it('an application query arriving while the down waits is not stuck behind it longer than the lock timeout', async () => {
    const p = await shopAt(cluster, 'sql', 2);
    const blocker = await longTransaction(cluster, p.database);
    const app = new pg.Client({ connectionString: cluster.url(p.database), application_name: 'web' });
    await app.connect();
    try {
      const running = undo(runOf({ ...p.config, lockTimeoutMs: 1000 }), { yes: true,  target: { count: 1 } });
      // Let the down reach its ALTER and queue for the lock, then read like the application does.
      await waitFor(async () => (await cluster.sql<{ n: number }>(p.database, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'dbrollback'"))[0]!.n > 0);
      const asked = Date.now();
      await app.query('SELECT count(*) FROM orders');
      expect(Date.now() - asked).toBeLessThan(1500);
      // The blocker finishes: a retry then gets the lock and the undo completes.
      await blocker.client.query('COMMIT');
      const report = await running;
      expect(report.error).toBeNull();
      expect(report.undone).toEqual(['004_rename-order-note']);
      expect(report.steps.find((s) => s.name === 'down')?.status).toBe('success');
    } finally {
      await app.end();
      await blocker.client.end();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
