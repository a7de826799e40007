import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { serverOsUser, stopServer } from '../../src/pgtools/local-cluster.js';
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

describe('stopServer', () => {
  it('leaves a server that has stopped already as it is (pg_ctl finds no postmaster.pid), and still fails on a directory that is no data directory', async () => {
    const cluster = await startCluster();
    try {
      const osUser = serverOsUser();
      await stopServer(cluster.dataDir, { osUser });
      expect(existsSync(path.join(cluster.dataDir, 'postmaster.pid'))).toBe(false);
      // Stopped between a caller's look and pg_ctl's: not a failure to stop.
      await expect(stopServer(cluster.dataDir, { osUser })).resolves.toBeUndefined();
      await expect(stopServer(path.join(cluster.baseDir, 'not-a-data-dir'), { osUser })).rejects.toThrow();
    } finally {
      await cluster.stop();
    }
  });
});
