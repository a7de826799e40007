/**
 * Progress read from the server is polled no more often than it is shown: a listener that prints a plain line every
 * few seconds (stderr not a terminal) gets no progress connection during a short dump; one redrawn on a terminal is
 * polled every half second.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db } from '../../../src/db/connection.js';
import { watchCopies } from '../../../src/backup/copy-progress.js';
import type { ProgressEvent, ProgressListener } from '../../../src/progress.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

describe('copy progress polling', () => {
  let cluster: Cluster;
  let db: Db;

  beforeAll(async () => {
    cluster = await startCluster();
    db = await connect(cluster.conn('postgres'));
  });
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  });

  const progressBackends = async () => Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'dbrollback-progress'")).rows[0]!.n);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('a listener shown every 5 s is not polled within the first 5 s; one without everyMs is polled within 1 s', async () => {
    const events: ProgressEvent[] = [];
    const plain: ProgressListener = Object.assign((e: ProgressEvent) => void events.push(e), { everyMs: 5_000 });
    const slow = watchCopies({ conn: cluster.conn('postgres'), applicationName: 'nobody', phase: 'dump', unit: 'bytes', tables: [{ name: 'public.t', total: 10 }], listener: plain });
    await sleep(1_500);
    expect(await progressBackends()).toBe(0);
    expect(events).toEqual([]);
    await slow.stop();
    // stop() still reports the phase finished: the plain log gets its "— done" line.
    expect(events.at(-1)).toMatchObject({ kind: 'tables', finished: true });

    const redrawn: ProgressEvent[] = [];
    const fast = watchCopies({ conn: cluster.conn('postgres'), applicationName: 'nobody', phase: 'dump', unit: 'bytes', tables: [{ name: 'public.t', total: 10 }], listener: (e) => void redrawn.push(e) });
    await sleep(1_500);
    expect(await progressBackends()).toBe(1);
    expect(redrawn.length).toBeGreaterThan(0);
    await fast.stop();
  });
});
