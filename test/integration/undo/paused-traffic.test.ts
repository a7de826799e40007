/**
 * Undo with a pause hook that drains only part of the traffic: the writer it
 * stops, and a report session it does not know about, whose open transaction
 * makes the downs give up on their lock having changed nothing. Traffic stays
 * paused (the resume hook runs only after a passing verify, DESIGN.md's undo
 * invariant), and the message says so and that the database is as it was
 * before the run.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undo } from '../../../src/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { catalogFingerprint, shopAt } from './support.js';
import { runOf } from '../../harness/runs.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => cluster?.stop());

/** The application: inserts an order every 100 ms on its own connection until `stopFile` exists. */
async function writer(database: string, stopFile: string): Promise<{ done: Promise<number> }> {
  const client = new pg.Client({ connectionString: cluster.url(database), application_name: 'shop-web' });
  await client.connect();
  const done = (async () => {
    let written = 0;
    while (!existsSync(stopFile)) {
      await client.query(`INSERT INTO orders (customer_id, status) VALUES (1, 'pending')`);
      written++;
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.end();
    return written;
  })();
  return { done };
}

/** A report the pause hook does not stop: a transaction kept open on orders. */
async function report(database: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: cluster.url(database), application_name: 'nightly-report' });
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT count(*) FROM orders');
  return client;
}

describe('undo with a pause hook, the downs giving up on a lock', () => {
  it('the database unchanged: the resume hook does not run, and the message says traffic is still paused over the database as it was', async () => {
    const p = await shopAt(cluster, 'sql', 2); // head 004: its down renames a column of orders
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-paused-'));
    const stopFile = path.join(dir, 'stop');
    const hooks = path.join(dir, 'hooks.log');
    const before = await catalogFingerprint(cluster, p.database);
    const app = await writer(p.database, stopFile);
    const blocker = await report(p.database);
    let result;
    try {
      result = await undo(runOf({ ...p.config, lockTimeoutMs: 200 }), {
        yes: true,
        target: { count: 1 },
        pauseTraffic: `touch '${stopFile}' && echo pause >> '${hooks}'`,
        resumeTraffic: `echo resume >> '${hooks}'`,
      });
    } finally {
      await blocker.end();
    }
    const written = await app.done;
    expect(result.error).toMatchObject({ code: 'LOCK_TIMEOUT', exitCode: 1 });
    expect(result.undone).toEqual([]);
    expect(result.error!.message).toContain('traffic is still paused (--pause-traffic ran; --resume-traffic runs only after verify passes): the database is as it was before the run — run your --resume-traffic command by hand to return to it, or run undo again');
    expect((await readFile(hooks, 'utf8')).trim().split('\n')).toEqual(['pause']);
    expect(result.steps.find((s) => s.name === 'resume-traffic')?.status).not.toBe('success');
    expect(await catalogFingerprint(cluster, p.database)).toBe(before);
    const [row] = await cluster.sql<{ n: number }>(p.database, 'SELECT count(*)::int AS n FROM orders');
    expect(row!.n).toBe(5 + written);
  });

  it('without a resume hook the message says traffic is still paused', async () => {
    const p = await shopAt(cluster, 'sql', 2);
    const blocker = await report(p.database);
    let result;
    try {
      result = await undo(runOf({ ...p.config, lockTimeoutMs: 200 }), { yes: true, target: { count: 1 }, pauseTraffic: 'true' });
    } finally {
      await blocker.end();
    }
    expect(result.error?.code).toBe('LOCK_TIMEOUT');
    expect(result.error!.message).toContain('traffic is still paused (--pause-traffic ran; --resume-traffic runs only after verify passes): the database is as it was before the run — resume it by hand to return to it, or run undo again');
  });

  it('a run stopped after the pause, before any down: no more hooks run, and the message says traffic is still paused over an unchanged database', async () => {
    const p = await shopAt(cluster, 'sql', 2);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-paused-'));
    const hooks = path.join(dir, 'hooks.log');
    const stop = new AbortController();
    const result = await undo(runOf(p.config, { signal: stop.signal }), {
      yes: true,
      target: { count: 1 },
      pauseTraffic: `echo pause >> '${hooks}'`,
      resumeTraffic: `echo resume >> '${hooks}'`,
      // Ctrl-C as soon as traffic is paused.
      onStep: (line) => line.startsWith('pause-traffic: done') && stop.abort(Object.assign(new Error('SIGINT'), { name: 'SIGINT' })),
    });
    expect(result.error?.code).toBe('INTERRUPTED');
    expect(result.undone).toEqual([]);
    expect(result.error!.message).toContain('traffic is still paused (--pause-traffic ran; the run was stopped): the database is as it was before the run');
    expect((await readFile(hooks, 'utf8')).trim().split('\n')).toEqual(['pause']);
  });
});
