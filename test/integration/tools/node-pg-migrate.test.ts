import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { acquireLock } from '../../../src/db/lock.js';
import { connect } from '../../../src/db/connection.js';
import { createNodePgMigrateAdapter } from '../../../src/tools/node-pg-migrate/run.js';
import { copyFixture, FIXTURES, rejection, seededShop, SHOP_NAMES } from './support.js';

const SHOP = path.join(FIXTURES, 'node-pg-migrate/shop');
const NAMES = SHOP_NAMES;

let cluster: Cluster;
let seed: string;

beforeAll(async () => {
  cluster = await startCluster();
  seed = await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8');
});

afterAll(async () => {
  await cluster?.stop();
});

const adapterFor = (conn: ConnInfo, dir = SHOP) => createNodePgMigrateAdapter({ conn, migrationsDir: dir });

const shopDb = (count: number, dir = SHOP): Promise<ConnInfo> => seededShop(cluster, (conn) => adapterFor(conn, dir), count);

const historyOf = (conn: ConnInfo) => cluster.sql<{ name: string; run_on: Date }>(conn.database, 'SELECT name, run_on FROM pgmigrations ORDER BY run_on, id');
const columnsOf = async (conn: ConnInfo, table: string) =>
  (await cluster.sql<{ column_name: string }>(conn.database, 'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [table])).map((r) => r.column_name);

describe('node-pg-migrate adapter', () => {
  it('status on an empty database lists every migration as pending, with down kinds, and creates no table', async () => {
    const conn = await cluster.createDatabase();
    const status = await adapterFor(conn).status();
    expect(status.migrator).toBe('node-pg-migrate');
    expect(status.applied).toEqual([]);
    expect(status.head).toBeNull();
    expect(status.pending.map((m) => [m.name, m.down])).toEqual([
      ['001_create-tables', 'yes'],
      ['002_add-customer-phone', 'inferred'],
      ['003_index-orders-customer', 'yes'],
      ['004_rename-order-note', 'yes'],
      ['005_drop-customer-legacy-code', 'yes'],
      ['006_backfill-product-sku', 'yes'],
      ['007_collapse-order-statuses', 'irreversible'],
    ]);
    expect(status.lockHolder).toBeNull();
    const [{ exists }] = (await cluster.sql<{ exists: boolean }>(conn.database, "SELECT to_regclass('public.pgmigrations') IS NOT NULL AS exists")) as [{ exists: boolean }];
    expect(exists).toBe(false);
  });

  it('up applies pending migrations through node-pg-migrate; status shows them applied with applied-at', async () => {
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn);
    const before = Date.now();
    expect(await adapter.up(2)).toEqual(NAMES.slice(0, 2));
    await cluster.sql(conn.database, seed);
    expect(await adapter.up()).toEqual(NAMES.slice(2));
    const status = await adapter.status();
    expect(status.applied.map((m) => m.name)).toEqual(NAMES);
    expect(status.pending).toEqual([]);
    expect(status.head).toBe('007_collapse-order-statuses');
    for (const m of status.applied) {
      expect(m.appliedAt).toBeInstanceOf(Date);
      expect(Math.abs(m.appliedAt!.getTime() - before)).toBeLessThan(60_000);
    }
    expect(await columnsOf(conn, 'orders')).toContain('customer_note');
    const statuses = await cluster.sql<{ status: string }>(conn.database, 'SELECT DISTINCT status FROM orders ORDER BY 1');
    expect(statuses.map((r) => r.status)).toEqual(['cancelled', 'paid', 'pending']);
  });

  it('down 1 undoes the last migration and reads the head back', async () => {
    const conn = await shopDb(6);
    const steps: string[] = [];
    const result = await adapterFor(conn).down({ count: 1 }, { onStep: (name) => steps.push(name) });
    expect(steps).toEqual(['006_backfill-product-sku']);
    expect(result.steps).toMatchObject([{ name: '006_backfill-product-sku', status: 'success' }]);
    expect(result.headAfter).toBe('005_drop-customer-legacy-code');
    expect(result.singleTransaction).toBe(true);
    const skus = await cluster.sql<{ n: string }>(conn.database, 'SELECT count(sku_normalized) AS n FROM products');
    expect(skus[0]!.n).toBe('0');
  });

  it('down --to NAME undoes everything after NAME (the concurrent-index down breaks the single transaction)', async () => {
    const conn = await shopDb(6);
    const result = await adapterFor(conn).down({ to: '002_add-customer-phone' });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['006_backfill-product-sku', 'success'],
      ['005_drop-customer-legacy-code', 'success'],
      ['004_rename-order-note', 'success'],
      ['003_index-orders-customer', 'success'],
    ]);
    expect(result.singleTransaction).toBe(false);
    expect(result.headAfter).toBe('002_add-customer-phone');
    expect((await historyOf(conn)).map((h) => h.name)).toEqual(NAMES.slice(0, 2));
    expect(await columnsOf(conn, 'orders')).toContain('note');
    const index = await cluster.sql(conn.database, "SELECT 1 FROM pg_class WHERE relname = 'orders_customer_id_idx'");
    expect(index).toEqual([]);
  });

  it('down --to the head selects nothing and changes nothing', async () => {
    const conn = await shopDb(3);
    const result = await adapterFor(conn).down({ to: '003_index-orders-customer' });
    expect(result.steps).toEqual([]);
    expect(result.headAfter).toBe('003_index-orders-customer');
    expect(await historyOf(conn)).toHaveLength(3);
  });

  it('refuses to undo an irreversible migration before touching anything (exit 4, history identical)', async () => {
    const conn = await shopDb(7);
    const before = await historyOf(conn);
    const err = await rejection(adapterFor(conn).down({ count: 2 }));
    expect(err.code).toBe('IRREVERSIBLE');
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('007_collapse-order-statuses (declared irreversible)');
    expect(await historyOf(conn)).toEqual(before);
    expect(await columnsOf(conn, 'products')).toContain('sku_normalized');
  });

  it('an unknown migration name is MIGRATION_NOT_FOUND, a too-large count is USAGE', async () => {
    const conn = await shopDb(3);
    const adapter = adapterFor(conn);
    const notFound = await rejection(adapter.select({ to: '003_index-orders' }));
    expect(notFound.code).toBe('MIGRATION_NOT_FOUND');
    expect(notFound.hint).toContain('003_index-orders-customer');
    const tooMany = await rejection(adapter.down({ count: 5 }));
    expect(tooMany.message).toBe('--count 5 is more than the 3 applied migrations');
  });

  it("while node-pg-migrate's lock is held: status names the holder, down fails fast, dbrollback's lock refuses", async () => {
    const conn = await shopDb(3);
    const holder = new pg.Client({ ...conn, application_name: 'someone-migrating' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7241865325823964)');
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const adapter = adapterFor(conn);
      const status = await adapter.status();
      expect(status.lockHolder).toMatchObject({ pid, applicationName: 'someone-migrating' });

      const started = Date.now();
      const err = await rejection(adapter.down({ count: 1 }));
      expect(err.code).toBe('LOCK_HELD');
      expect(err.message).toContain(`pid ${pid}`);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await historyOf(conn)).toHaveLength(3);

      const db = await connect(conn);
      try {
        const lockErr = await rejection(acquireLock(db, adapter.toolLocks));
        expect(lockErr.code).toBe('LOCK_HELD');
        expect(lockErr.message).toContain('node-pg-migrate is running');
      } finally {
        await db.end();
      }
    } finally {
      await holder.end();
    }
  });

  it('reports missing and empty downs: no down and not inferable, an empty down, a .sql file without a Down section or with an empty one', async () => {
    const { dir, cleanup } = await copyFixture('node-pg-migrate/shop');
    try {
      await writeFile(path.join(dir, '008_raw-sql-without-down.js'), "export const up = (pgm) => { pgm.sql('SELECT 1'); };\n");
      await writeFile(path.join(dir, '009_empty-down.js'), "export const up = (pgm) => { pgm.sql('SELECT 1'); };\nexport const down = () => {};\n");
      await writeFile(path.join(dir, '010_sql-format.sql'), '-- Up Migration\nCREATE TABLE t (id int);\n');
      await writeFile(path.join(dir, '011_sql-format-empty-down.sql'), '-- Up Migration\nCREATE TABLE u (id int);\n-- Down Migration\n');
      await writeFile(path.join(dir, '012_sql-format-with-down.sql'), '-- Up Migration\nCREATE TABLE v (id int);\n-- Down Migration\nDROP TABLE v;\n');
      const conn = await cluster.createDatabase();
      const status = await adapterFor(conn, dir).status();
      expect(status.pending.slice(7).map((m) => [m.name, m.down])).toEqual([
        ['008_raw-sql-without-down', 'missing'],
        ['009_empty-down', 'empty'],
        ['010_sql-format', 'missing'],
        ['011_sql-format-empty-down', 'empty'],
        ['012_sql-format-with-down', 'yes'],
      ]);
    } finally {
      await cleanup();
    }
  });

  it('a failing down in the middle leaves the database at the last fully undone migration and says which', async () => {
    const { dir, cleanup } = await copyFixture('node-pg-migrate/shop');
    try {
      // 002's down fails; 003 (noTransaction) makes node-pg-migrate commit 006..003 before 002 runs.
      await writeFile(path.join(dir, '002_add-customer-phone.js'), "export const up = (pgm) => { pgm.addColumns('customers', { phone: { type: 'text' } }); };\nexport const down = (pgm) => { pgm.sql('SELECT no_such_column FROM customers'); };\n");
      const conn = await shopDb(6, dir);
      const lines: string[] = [];
      const err = await rejection(createNodePgMigrateAdapter({ conn, migrationsDir: dir, log: (l) => lines.push(l) }).down({ count: 5 }));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('down migration 002_add-customer-phone failed');
      expect(err.message).toContain('Undone (committed): 006_backfill-product-sku, 005_drop-customer-legacy-code, 004_rename-order-note, 003_index-orders-customer.');
      expect(err.message).toContain('Not undone: 002_add-customer-phone.');
      expect(err.details).toMatchObject({ failed: '002_add-customer-phone', headAfter: '002_add-customer-phone', singleTransaction: false });
      expect((await historyOf(conn)).map((h) => h.name)).toEqual(NAMES.slice(0, 2));
      expect(lines.some((l) => l.includes('MIGRATION 006_backfill-product-sku (DOWN)'))).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('a failing down inside the single transaction undoes nothing and says so', async () => {
    const { dir, cleanup } = await copyFixture('node-pg-migrate/shop');
    try {
      await writeFile(path.join(dir, '005_drop-customer-legacy-code.js'), "export const up = (pgm) => { pgm.dropColumns('customers', ['legacy_code']); };\nexport const down = (pgm) => { pgm.sql('ALTER TABLE customers ADD COLUMN phone text'); };\n");
      const conn = await shopDb(6, dir);
      const err = await rejection(adapterFor(conn, dir).down({ count: 2 }));
      expect(err.message).toContain('down migration 005_drop-customer-legacy-code failed');
      expect(err.message).toContain('Nothing was undone');
      expect((await historyOf(conn)).map((h) => h.name)).toEqual(NAMES.slice(0, 6));
      const skus = await cluster.sql<{ n: string }>(conn.database, 'SELECT count(sku_normalized) AS n FROM products');
      expect(skus[0]!.n).toBe('4');
    } finally {
      await cleanup();
    }
  });

  it('the default pgmigrations missing while another table with its columns holds the history (a custom --migrations-table): refused naming the setting, not read as nothing applied', async () => {
    const conn = await cluster.createDatabase();
    const custom = createNodePgMigrateAdapter({ conn, migrationsDir: SHOP, migrationsTable: '_pgmigrations' });
    expect(await custom.up(2)).toEqual(NAMES.slice(0, 2));
    const err = await rejection(adapterFor(conn).status());
    expect(err.code).toBe('MIGRATIONS_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe("node-pg-migrate's default history table public.pgmigrations does not exist, but public._pgmigrations (2 migration(s), the newest 002_add-customer-phone) has its columns (id, name, run_on): read as public.pgmigrations, every migration would look pending and migrate would apply them again");
    expect(err.hint).toContain('set "migrationsTable": "_pgmigrations" in dbrollback.config.json');
    // up refuses too, before anything runs: no pgmigrations created, nothing applied twice.
    expect((await rejection(adapterFor(conn).up())).code).toBe('MIGRATIONS_INVALID');
    const [{ exists }] = (await cluster.sql<{ exists: boolean }>(conn.database, "SELECT to_regclass('public.pgmigrations') IS NOT NULL AS exists")) as [{ exists: boolean }];
    expect(exists).toBe(false);
    // Named in the config: read there; an empty look-alike is nobody's history.
    expect((await custom.status()).applied.map((m) => m.name)).toEqual(NAMES.slice(0, 2));
    const other = await cluster.createDatabase();
    await cluster.sql(other.database, 'CREATE TABLE audit_runs (id serial PRIMARY KEY, name text, run_on timestamp)');
    expect((await adapterFor(other).status()).applied).toEqual([]);
  });
});
