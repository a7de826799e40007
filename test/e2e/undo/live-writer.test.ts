/**
 * The on-call case nobody paused: the application keeps writing while
 * `dbrollback undo` and `dbrollback verify` run, through the built CLI. Its
 * writer connects for each write, so at most instants no other session is
 * there. Undo must pass verify without excusing the rollback's own work,
 * and every row the writer wrote must still be there.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapter, resolveConfig } from '../../../src/index.js';
import { runBuiltCli, PROJECT_ROOT } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

const SQL_SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => cluster?.stop());

/** Every 100 ms, on a connection of its own: a new order, and a customer's phone (which fails once the column is gone, as old code would). */
function writer(database: string): { stop(): Promise<number> } {
  let running = true;
  let orders = 0;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const client = new pg.Client({ ...cluster.conn(database), application_name: 'shop-web' });
      await client.connect();
      await client.query(`INSERT INTO orders (customer_id, status, note) VALUES (1, 'pending', $1)`, [`writer:${i}`]);
      orders++;
      await client.query(`UPDATE customers SET phone = $1 WHERE id = 2`, [`+1 555 ${i}`]).catch(() => undefined);
      await client.end();
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return orders;
    },
  };
}

describe('undo and verify while the application writes (built CLI)', () => {
  it('undo passes verify, the downs of a column the writer writes are refused without --accept-data-loss, and no row of the writer is lost', async () => {
    const db = await cluster.createDatabase();
    const url = cluster.url(db.database);
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-e2e-live-'));
    const adapter = await openAdapter(await resolveConfig({ databaseUrl: url, migrations: SQL_SHOP }, { env: {} }));
    try {
      await adapter.up(2);
      await cluster.sql(db.database, await readFile(path.join(PROJECT_ROOT, 'migrations-fixtures', 'seed.sql'), 'utf8'));
      await adapter.up(1); // head 003_index-orders-customer
    } finally {
      await adapter.close();
    }
    const args = ['--database-url', url, '--migrations', SQL_SHOP, '--storage', storage];
    const app = writer(db.database);
    let written: number;
    try {
      await new Promise((r) => setTimeout(r, 500));
      // An additive migration: its down drops an index, and the writer's tables are excused by name.
      const undone = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...args], { timeoutMs: 120_000 });
      expect(undone.exitCode, undone.stderr).toBe(0);
      expect(undone.json<{ ok: boolean; undone: string[] }>()).toMatchObject({ ok: true, undone: ['003_index-orders-customer'] });
      expect(undone.stderr).toMatch(/traffic was not paused \(.*\): .*public\.orders.* written meanwhile/);
      // The history table is the downs' own write, not the application's: not listed as its traffic.
      expect(undone.stderr).not.toMatch(/traffic was not paused .*dbrollback_migrations/);

      const verified = await runBuiltCli(['verify', '--json', ...args], { timeoutMs: 120_000 });
      expect(verified.exitCode, verified.stdout).toBe(0);

      // Its down drops customers.phone, which holds data (the writer's too): refused first, done when accepted.
      const refused = await runBuiltCli(['undo', '--count', '1', '--yes', ...args], { timeoutMs: 120_000 });
      expect(refused.exitCode).toBe(4);
      const accepted = await runBuiltCli(['undo', '--count', '1', '--yes', '--accept-data-loss', '--json', ...args], { timeoutMs: 120_000 });
      expect(accepted.exitCode, accepted.stderr).toBe(0);
      expect(accepted.json<{ ok: boolean; undone: string[] }>()).toMatchObject({ ok: true, undone: ['002_add-customer-phone'] });
    } finally {
      written = await app.stop();
    }
    // seed.sql's 5 orders and every one the writer wrote, before, during and after the undos.
    const [row] = await cluster.sql<{ n: number; w: number }>(db.database, "SELECT count(*)::int AS n, count(*) FILTER (WHERE note LIKE 'writer:%')::int AS w FROM orders");
    expect(row).toEqual({ n: 5 + written, w: written });
  });
});
