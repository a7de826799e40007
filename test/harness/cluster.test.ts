import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';

describe('test harness cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ settings: { wal_level: 'replica' } });
  });
  afterAll(async () => cluster?.stop());

  it('starts a real PostgreSQL on a loopback port with password auth and the extra settings', async () => {
    const rows = await cluster.sql<{ v: string; wal: string; addr: string }>(
      'postgres',
      "SELECT current_setting('server_version_num') AS v, current_setting('wal_level') AS wal, current_setting('listen_addresses') AS addr",
    );
    expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(120000);
    expect(rows[0]!.wal).toBe('replica');
    expect(rows[0]!.addr).toBe('127.0.0.1');
  });

  it('clones databases from a template for a fast reset', async () => {
    const template = await cluster.createDatabase('tpl_shop');
    await cluster.sql(template.database, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1),(2)');
    const copy = await cluster.createDatabase(undefined, { template: 'tpl_shop' });
    const rows = await cluster.sql<{ n: string }>(copy.database, 'SELECT count(*) AS n FROM t');
    expect(rows[0]!.n).toBe('2');
  });
});
