/**
 * A whole dump loaded for a table restore (load-partial-dump.ts with
 * onlyRowsOf): the scratch database gets the whole schema but the rows of
 * the asked tables only — every other table empty, the asked tables'
 * sequences at their dumped value — and the asked tables' foreign keys to the
 * empty tables made NOT VALID, as for a partial dump.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDeferredKeys, loadPartialDump } from '../../../src/backup/table-recovery/load-partial-dump.js';
import { connect } from '../../../src/db/connection.js';
import { connInfoFromUrl } from '../../../src/db/conninfo.js';
import { findBinary } from '../../../src/pgtools/binaries.js';
import { runTool } from '../../../src/pgtools/run.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

let cluster: Cluster;
let work: string;

beforeAll(async () => {
  cluster = await startCluster();
  work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-logtables-load-'));
});
afterAll(async () => {
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('logtables: a whole dump loaded with the rows of some tables only', () => {
  it('holds every table, the rows of the asked ones only, their sequences, and their keys to the others NOT VALID', async () => {
    const { database } = await cluster.createDatabase();
    await cluster.sql(database, `CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL);
      CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id), status text NOT NULL);
      CREATE TABLE "Order Notes" (id serial PRIMARY KEY, order_id int NOT NULL REFERENCES orders (id), body text);
      CREATE TABLE audit (id bigserial PRIMARY KEY, what text);
      INSERT INTO customers (email) SELECT 'c' || g FROM generate_series(1, 10) g;
      INSERT INTO orders (customer_id, status) SELECT 1 + g % 10, 'open' FROM generate_series(1, 50) g;
      INSERT INTO "Order Notes" (order_id, body) SELECT g, 'n' FROM generate_series(1, 20) g;
      INSERT INTO audit (what) SELECT 'a' FROM generate_series(1, 30) g`);
    const pgDump = await findBinary('pg_dump');
    const pgRestore = await findBinary('pg_restore');
    const file = path.join(work, 'whole.pgcustom');
    await runTool(pgDump, ['--format=custom', `--file=${file}`, `--dbname=${database}`], { conn: connInfoFromUrl(cluster.url(database)) });
    const { database: scratchName } = await cluster.createDatabase();
    const scratchConn = connInfoFromUrl(cluster.url(scratchName));

    const asked = [{ schema: 'public', table: 'orders' }, { schema: 'public', table: 'Order Notes' }];
    const keys = await loadPartialDump(pgRestore, file, scratchConn, asked, { onlyRowsOf: true });
    const scratch = await connect(scratchConn);
    try {
      await addDeferredKeys(scratch, keys, asked);
      const counts = await cluster.sql<{ t: string; n: number }>(scratchName, `SELECT 'customers' AS t, count(*)::int AS n FROM customers UNION ALL SELECT 'orders', count(*)::int FROM orders
        UNION ALL SELECT 'Order Notes', count(*)::int FROM "Order Notes" UNION ALL SELECT 'audit', count(*)::int FROM audit`);
      expect(counts).toEqual([{ t: 'customers', n: 0 }, { t: 'orders', n: 50 }, { t: 'Order Notes', n: 20 }, { t: 'audit', n: 0 }]);
      expect(await cluster.sql(scratchName, "SELECT last_value::int AS v FROM orders_id_seq")).toEqual([{ v: 50 }]);
      // orders → customers points at an empty table: NOT VALID; "Order Notes" → orders (both asked): validated.
      const fks = await cluster.sql<{ conname: string; convalidated: boolean }>(scratchName, "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY 1");
      expect(fks).toEqual([{ conname: 'Order Notes_order_id_fkey', convalidated: true }, { conname: 'orders_customer_id_fkey', convalidated: false }]);
    } finally {
      await scratch.end();
    }
  }, 120_000);
});
