import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { acquireLock } from '../../../src/db/lock.js';
import { connect } from '../../../src/db/connection.js';
import { createSqlDirAdapter, SQL_DIR_LOCK } from '../../../src/tools/sql/run.js';
import { copyFixture, FIXTURES, rejection, seededShop, SHOP_NAMES } from './support.js';

const SHOP = path.join(FIXTURES, 'sql/shop');
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

const adapterFor = (conn: ConnInfo, dir = SHOP) => createSqlDirAdapter({ conn, migrationsDir: dir });

const shopDb = (count: number, dir = SHOP): Promise<ConnInfo> => seededShop(cluster, (conn) => adapterFor(conn, dir), count);

const historyOf = (conn: ConnInfo) =>
  cluster.sql<{ name: string; applied_at: Date; checksum: string }>(conn.database, 'SELECT name, applied_at, checksum FROM public.dbrollback_migrations ORDER BY applied_at, name');
const columnsOf = async (conn: ConnInfo, table: string) =>
  (await cluster.sql<{ column_name: string }>(conn.database, 'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [table])).map((r) => r.column_name);

describe('sql directory adapter', () => {
  it('status on an empty database lists every migration as pending with down kinds and creates no table', async () => {
    const conn = await cluster.createDatabase();
    const status = await adapterFor(conn).status();
    expect(status.migrator).toBe('sql');
    expect(status.applied).toEqual([]);
    expect(status.pending.map((m) => [m.name, m.down])).toEqual([...NAMES.slice(0, 6).map((n) => [n, 'yes']), ['007_collapse-order-statuses', 'irreversible']]);
    const rows = await cluster.sql<{ t: string | null }>(conn.database, "SELECT to_regclass('public.dbrollback_migrations')::text AS t");
    expect(rows[0]!.t).toBeNull();
  });

  it('up applies in order (the concurrent index outside a transaction), recording applied-at and a checksum', async () => {
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn);
    expect(await adapter.up(2)).toEqual(NAMES.slice(0, 2));
    await cluster.sql(conn.database, seed);
    expect(await adapter.up()).toEqual(NAMES.slice(2));
    const status = await adapter.status();
    expect(status.applied.map((m) => m.name)).toEqual(NAMES);
    expect(status.applied.every((m) => m.appliedAt instanceof Date)).toBe(true);
    expect(status.head).toBe('007_collapse-order-statuses');
    const history = await historyOf(conn);
    expect(history[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    const index = await cluster.sql<{ valid: boolean }>(conn.database, "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'orders_customer_id_idx'::regclass");
    expect(index).toEqual([{ valid: true }]);
    expect(await adapter.up()).toEqual([]);
  });

  it('down 1 undoes the last migration in one transaction with its history row', async () => {
    const conn = await shopDb(6);
    const result = await adapterFor(conn).down({ count: 1 });
    expect(result).toMatchObject({ singleTransaction: true, headAfter: '005_drop-customer-legacy-code', steps: [{ name: '006_backfill-product-sku', status: 'success' }] });
    expect((await historyOf(conn)).map((h) => h.name)).toEqual(NAMES.slice(0, 5));
  });

  it('down --to NAME undoes everything after NAME; a no-transaction down makes it per migration', async () => {
    const conn = await shopDb(6);
    const steps: string[] = [];
    const result = await adapterFor(conn).down({ to: '002_add-customer-phone' }, { onStep: (n) => steps.push(n) });
    expect(steps).toEqual(NAMES.slice(2, 6).reverse());
    expect(result.singleTransaction).toBe(false);
    expect(result.steps.every((s) => s.status === 'success')).toBe(true);
    expect(result.headAfter).toBe('002_add-customer-phone');
    expect(await columnsOf(conn, 'orders')).toContain('note');
    expect(await columnsOf(conn, 'customers')).toContain('legacy_code');
    expect(await cluster.sql(conn.database, "SELECT 1 FROM pg_class WHERE relname = 'orders_customer_id_idx'")).toEqual([]);
  });

  it('refuses to undo the irreversible migration before touching anything (exit 4, history identical)', async () => {
    const conn = await shopDb(7);
    const before = await historyOf(conn);
    const err = await rejection(adapterFor(conn).down({ to: '005_drop-customer-legacy-code' }));
    expect(err.code).toBe('IRREVERSIBLE');
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('007_collapse-order-statuses (declared irreversible)');
    expect(await historyOf(conn)).toEqual(before);
  });

  it('an unknown migration name is MIGRATION_NOT_FOUND', async () => {
    const conn = await shopDb(2);
    const err = await rejection(adapterFor(conn).down({ to: '001_create-table' }));
    expect(err.code).toBe('MIGRATION_NOT_FOUND');
    expect(err.hint).toContain('001_create-tables');
  });

  it('an orphan .down.sql is reported (exit 2) and an up without a down is down kind missing and refused', async () => {
    const { dir, cleanup } = await copyFixture('sql/shop');
    try {
      await rm(path.join(dir, '006_backfill-product-sku.down.sql'));
      const conn = await shopDb(6, dir);
      const adapter = adapterFor(conn, dir);
      expect((await adapter.status()).applied.at(-1)).toMatchObject({ name: '006_backfill-product-sku', down: 'missing' });
      const refused = await rejection(adapter.down({ count: 1 }));
      expect(refused.code).toBe('IRREVERSIBLE');
      expect(refused.message).toContain('006_backfill-product-sku (no down written)');

      await writeFile(path.join(dir, '008_ghost.down.sql'), 'SELECT 1;');
      const orphan = await rejection(adapter.status());
      expect(orphan.code).toBe('MIGRATIONS_INVALID');
      expect(orphan.exitCode).toBe(2);
      expect(orphan.message).toContain('008_ghost.down.sql: orphan down migration');
    } finally {
      await cleanup();
    }
  });

  it('a failing down in per-migration mode leaves the database at the last fully undone migration and says which', async () => {
    const { dir, cleanup } = await copyFixture('sql/shop');
    try {
      await writeFile(path.join(dir, '004_rename-order-note.down.sql'), 'ALTER TABLE orders RENAME COLUMN no_such_column TO note;\n');
      const conn = await shopDb(6, dir);
      const err = await rejection(adapterFor(conn, dir).down({ count: 5 }));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('down migration 004_rename-order-note failed: column "no_such_column" does not exist');
      expect(err.message).toContain('Undone (committed): 006_backfill-product-sku, 005_drop-customer-legacy-code. Not undone: 004_rename-order-note, 003_index-orders-customer, 002_add-customer-phone.');
      expect(err.message).toContain('The database is at 004_rename-order-note');
      expect(err.details).toMatchObject({ headAfter: '004_rename-order-note', singleTransaction: false });
      expect((await historyOf(conn)).map((h) => h.name)).toEqual(NAMES.slice(0, 4));
      expect(await columnsOf(conn, 'customers')).toContain('legacy_code');
      expect(await columnsOf(conn, 'orders')).toContain('customer_note');
    } finally {
      await cleanup();
    }
  });

  it('a failing down in single-transaction mode undoes nothing', async () => {
    const { dir, cleanup } = await copyFixture('sql/shop');
    try {
      await writeFile(path.join(dir, '004_rename-order-note.down.sql'), 'ALTER TABLE orders RENAME COLUMN no_such_column TO note;\n');
      const conn = await shopDb(6, dir);
      const before = await historyOf(conn);
      const err = await rejection(adapterFor(conn, dir).down({ count: 3 }));
      expect(err.message).toContain('Nothing was undone: the downs ran in one transaction, which was rolled back. The database is still at 006_backfill-product-sku.');
      expect(await historyOf(conn)).toEqual(before);
      expect(await columnsOf(conn, 'customers')).not.toContain('legacy_code');
    } finally {
      await cleanup();
    }
  });

  it('a syntax error in a selected down is SQL_SYNTAX before anything runs', async () => {
    const { dir, cleanup } = await copyFixture('sql/shop');
    try {
      await writeFile(path.join(dir, '005_drop-customer-legacy-code.down.sql'), 'ALTER TABLE customers ADD COLUMN;\n');
      const conn = await shopDb(6, dir);
      const before = await historyOf(conn);
      const err = await rejection(adapterFor(conn, dir).down({ count: 2 }));
      expect(err.code).toBe('SQL_SYNTAX');
      expect(err.message).toContain('005_drop-customer-legacy-code.down.sql');
      expect(await historyOf(conn)).toEqual(before);
    } finally {
      await cleanup();
    }
  });

  it('while its lock is held: status names the holder and up/down fail fast; dbrollback refuses to start', async () => {
    const conn = await shopDb(3);
    const holder = new pg.Client({ ...conn, application_name: 'other-deployer' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [SQL_DIR_LOCK.key.toString()]);
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const adapter = adapterFor(conn);
      expect((await adapter.status()).lockHolder).toMatchObject({ pid, applicationName: 'other-deployer' });
      const downErr = await rejection(adapter.down({ count: 1 }));
      expect(downErr.code).toBe('LOCK_HELD');
      expect(downErr.message).toContain(`pid ${pid}`);
      expect((await rejection(adapter.up())).code).toBe('LOCK_HELD');
      expect(await historyOf(conn)).toHaveLength(3);
      const db = await connect(conn);
      try {
        expect((await rejection(acquireLock(db, adapter.toolLocks))).message).toContain('dbrollback sql migrations is running');
      } finally {
        await db.end();
      }
    } finally {
      await holder.end();
    }
  });

  it("dbrollback's own lock: a second acquireLock fails fast naming the first holder's pid", async () => {
    const conn = await cluster.createDatabase();
    const first = await connect(conn);
    const second = await connect(conn);
    try {
      const held = await acquireLock(first);
      const pid = (await first.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const started = Date.now();
      const err = await rejection(acquireLock(second));
      expect(err.code).toBe('LOCK_HELD');
      expect(err.message).toContain(`pid ${pid}`);
      expect(Date.now() - started).toBeLessThan(5_000);
      await held.release();
      await (await acquireLock(second)).release();
    } finally {
      await first.end();
      await second.end();
    }
  });

  it('up refuses a pending migration that sorts before the applied head', async () => {
    const { dir, cleanup } = await copyFixture('sql/shop');
    try {
      const conn = await shopDb(3, dir);
      await writeFile(path.join(dir, '002_late-arrival.up.sql'), 'SELECT 1;');
      const err = await rejection(adapterFor(conn, dir).up());
      expect(err.code).toBe('MIGRATIONS_INVALID');
      expect(err.message).toContain('002_late-arrival');
      expect(await historyOf(conn)).toHaveLength(3);
    } finally {
      await cleanup();
    }
  });
});
