/**
 * An application that opens a connection for each write (a script, a cron
 * job, a serverless function) is connected only for milliseconds at a time:
 * at any one instant no other session may be there. Undo beside it must still
 * see that traffic is live, and verify must not fail on the rows it wrote.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undo } from '../../../src/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { shopAt } from '../undo/support.js';
import { runOf } from '../../harness/runs.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => cluster?.stop());

/** Inserts an order every `everyMs`, each through a connection of its own, until stop(). */
function connectPerWrite(database: string, everyMs = 150): { stop(): Promise<number> } {
  let running = true;
  let written = 0;
  const loop = (async () => {
    while (running) {
      const client = new pg.Client({ ...cluster.conn(database), application_name: 'shop-cron' });
      await client.connect();
      await client.query(`INSERT INTO orders (customer_id, status) VALUES (1, 'pending')`);
      await client.end();
      written++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return written;
    },
  };
}

describe('undo beside an application that connects for each write', () => {
  it('verify excuses the table it wrote (no false exit 3) and keeps every row it wrote', async () => {
    const p = await shopAt(cluster, 'sql', 1); // head 003: its down drops an index, nothing else
    const writer = connectPerWrite(p.database);
    const log: string[] = [];
    let report;
    let written: number;
    try {
      await new Promise((r) => setTimeout(r, 500));
      report = await undo(runOf(p.config), { yes: true, target: { count: 1 }, onStep: (line) => log.push(line) });
    } finally {
      written = await writer.stop();
    }
    expect(report.error).toBeNull();
    expect(report.undone).toEqual(['003_index-orders-customer']);
    expect(log.find((l) => l.startsWith('traffic was not paused'))).toContain('public.orders');
    // The writer's rows are all there: seed.sql's 5 orders and every one it wrote.
    const [row] = await cluster.sql<{ n: number }>(p.database, 'SELECT count(*)::int AS n FROM orders');
    expect(row!.n).toBe(5 + written);
  });
});
