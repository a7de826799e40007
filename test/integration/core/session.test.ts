import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { SharedSession } from '../../../src/db/session.js';
import { startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';

describe('SharedSession: one connection for a run, and a spare for the tool', () => {
  let cluster: Cluster;
  let conn: ConnInfo;
  const pid = async (db: { query: (q: string) => Promise<{ rows: Array<{ p: number }> }> }) => (await db.query('SELECT pg_backend_pid() AS p')).rows[0]!.p;
  const backends = async () =>
    (await cluster.sql<{ n: number }>('postgres', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [conn.database]))[0]!.n;

  beforeAll(async () => {
    cluster = await startCluster();
    const name = uniqueName('session');
    await cluster.createDatabase(name);
    conn = cluster.conn(name);
  });
  afterAll(async () => cluster?.stop());

  it('opens its connection once, on first use; the spare is another connection, handed over once; end() closes what is left', async () => {
    const session = new SharedSession(conn);
    expect(await backends()).toBe(0);
    const a = await session.db();
    expect(await session.db()).toBe(a);
    session.prepareSpare();
    const spare = await session.takeSpare();
    expect(await pid(spare)).not.toBe(await pid(a));
    // Taken: the next call opens a fresh one rather than handing the same one out twice.
    const fresh = await session.takeSpare();
    expect(fresh).not.toBe(spare);
    await spare.end();
    await fresh.end();
    session.prepareSpare();
    await session.end();
    await expect.poll(backends).toBe(0);
  });
});
