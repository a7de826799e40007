import net from 'node:net';
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

  it('end() abandons a connection still being opened instead of waiting for it (a server that never answers)', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const session = new SharedSession({ ...conn, host: '127.0.0.1', port });
      const first = session.db();
      session.prepareSpare();
      const started = Date.now();
      await session.end();
      await expect(first).rejects.toThrow(/could not connect to 127\.0\.0\.1:\d+/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });
});
