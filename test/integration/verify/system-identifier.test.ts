/**
 * The cluster identity schema records carry: read where the role may (any role, unless a cluster revoked it), null (never an error, which would abort the
 * migrate run's transaction) where it may not.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { systemIdentifier } from '../../../src/db/system-identifier.js';

describe('systemIdentifier', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  it('is the cluster\'s, for any role by default; null where EXECUTE on pg_control_system() was revoked, inside a transaction that goes on', async () => {
    const { database } = await cluster.createDatabase();
    await cluster.sql(database, "CREATE ROLE plain LOGIN PASSWORD 'plain-pw'");
    const su = new pg.Client({ connectionString: cluster.url(database) });
    await su.connect();
    const id = await systemIdentifier(su);
    expect(id).toMatch(/^\d+$/);

    const url = new URL(cluster.url(database));
    url.username = 'plain';
    url.password = 'plain-pw';
    const plain = new pg.Client({ connectionString: url.toString() });
    await plain.connect();
    try {
      expect(await systemIdentifier(plain)).toBe(id);
      await su.query('REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC');
      await plain.query('BEGIN');
      expect(await systemIdentifier(plain)).toBeNull();
      expect((await plain.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await plain.query('COMMIT');
    } finally {
      await su.query('GRANT EXECUTE ON FUNCTION pg_control_system() TO PUBLIC');
      await plain.end();
      await su.end();
    }
  });
});
