/**
 * A standalone verify against a backup while the application keeps writing:
 * the differences are real (exit 3 stands), but the failing comparisons name
 * the tables other sessions wrote while verify ran, and the flag that reports
 * them instead — rather than leaving the rows of live traffic to look like
 * damage a restore should undo.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup, baselineFromManifest, verify } from '../../../src/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { shopAt } from '../undo/support.js';
import { runOf } from '../../harness/runs.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => cluster?.stop());

describe('verify against a baseline while the application writes', () => {
  it('the failing row-counts and fingerprints name the tables written while it ran and --expect-changed; an unwritten table is not named', async () => {
    const p = await shopAt(cluster, 'sql', 1);
    const { manifest } = await backup(runOf(p.config));
    let running = true;
    const writer = (async () => {
      while (running) {
        const client = new pg.Client({ ...cluster.conn(p.database), application_name: 'shop-web' });
        await client.connect();
        await client.query(`INSERT INTO orders (customer_id, status) VALUES (1, 'pending')`);
        await client.end();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    let report;
    try {
      await new Promise((r) => setTimeout(r, 300));
      report = await verify(runOf(p.config), { baseline: baselineFromManifest(manifest) });
    } finally {
      running = false;
      await writer;
    }
    expect(report.ok).toBe(false);
    for (const id of ['row-counts', 'fingerprints']) {
      const check = report.checks.find((c) => c.id === id)!;
      expect(check.status).toBe('fail');
      const note = check.problems!.find((l) => l.includes('written by other sessions while verify ran'));
      expect(note).toBe('public.orders was written by other sessions while verify ran: the application is writing, so its differences include its own rows; to report it instead of failing on it: --expect-changed public.orders');
      expect(check.data?.writtenDuringVerify).toEqual(['public.orders']);
    }
  });
});
