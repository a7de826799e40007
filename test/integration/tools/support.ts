/** Small helpers shared by the migration tools' integration tests. */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import type { MigratorAdapter } from '../../../src/tools/contract.js';
import type { Cluster } from '../../harness/cluster.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../migrations-fixtures');

export { rejection } from '../../harness/fixtures.js';

/** A private copy of a fixture directory to break or extend; removed by the returned cleanup. */
export async function copyFixture(relative: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-fixture-'));
  const dir = path.join(base, path.basename(relative));
  await cp(path.join(FIXTURES, relative), dir, { recursive: true });
  return { dir, cleanup: () => rm(base, { recursive: true, force: true }) };
}

/** The seven shop migrations, the same names for every tool. */
export const SHOP_NAMES = [
  '001_create-tables',
  '002_add-customer-phone',
  '003_index-orders-customer',
  '004_rename-order-note',
  '005_drop-customer-legacy-code',
  '006_backfill-product-sku',
  '007_collapse-order-statuses',
];

/** A fresh database with the first `count` shop migrations applied by `open`'s adapter, seeded after 002. */
export async function seededShop(cluster: Cluster, open: (conn: ConnInfo) => MigratorAdapter, count: number): Promise<ConnInfo> {
  const conn = await cluster.createDatabase();
  const adapter = open(conn);
  await adapter.up(Math.min(count, 2));
  await cluster.sql(conn.database, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
  if (count > 2) await adapter.up(count - 2);
  return conn;
}

/** Detection's look at a database's history tables, answered from information_schema of `database` on `cluster`. */
export function historyLookupIn(cluster: Cluster, database: string) {
  return (probes: ReadonlyArray<{ schema: string; table: string }>) =>
    cluster.sql<{ schema: string; table: string; columns: string[] }>(
      database,
      "SELECT table_schema AS schema, table_name AS table, array_agg(column_name::text) AS columns FROM information_schema.columns WHERE table_schema || '.' || table_name = ANY($1) GROUP BY 1, 2",
      [probes.map((p) => `${p.schema}.${p.table}`)],
    );
}
