import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { Umzug, memoryStorage } from 'umzug';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { resolveConfig } from '../../../src/run/config.js';
import { createUmzugAdapter } from '../../../src/tools/umzug/run.js';
import { openAdapter } from '../../../src/tools/registry.js';
import { copyFixture, FIXTURES, rejection, seededShop, SHOP_NAMES } from './support.js';

const SHOP = path.join(FIXTURES, 'umzug/shop');
const NAMES = SHOP_NAMES;

let cluster: Cluster;
let seed: string;
let configModule: Record<string, unknown>;

beforeAll(async () => {
  cluster = await startCluster();
  seed = await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8');
  configModule = (await import(pathToFileURL(path.join(SHOP, 'dbrollback.config.mjs')).href)) as Record<string, unknown>;
});

afterAll(async () => {
  await cluster?.stop();
});

/** The fixture's own migrations, or a broken copy of them ('' = let the config find its own). */
const adapterFor = (conn: ConnInfo, migrationsDir = '') => createUmzugAdapter({ conn, migrationsDir, configModule });

const shopDb = (count: number, migrationsDir = ''): Promise<ConnInfo> => seededShop(cluster, (conn) => adapterFor(conn, migrationsDir), count);

const historyOf = (conn: ConnInfo) => cluster.sql<{ name: string; applied_at: Date }>(conn.database, 'SELECT name, applied_at FROM umzug_migrations ORDER BY applied_at, name');
const columnsOf = async (conn: ConnInfo, table: string) =>
  (await cluster.sql<{ column_name: string }>(conn.database, 'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [table])).map((r) => r.column_name);
const connectionsOf = async (conn: ConnInfo) =>
  Number((await cluster.sql<{ n: string }>(conn.database, "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'shop-umzug'"))[0]!.n);

describe('umzug adapter', () => {
  it('status lists every migration as pending; the one without a down is missing; no lock of its own', async () => {
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn);
    const status = await adapter.status();
    expect(status.migrator).toBe('umzug');
    expect(status.applied).toEqual([]);
    expect(status.pending.map((m) => [m.name, m.down])).toEqual([...NAMES.slice(0, 6).map((n) => [n, 'yes']), ['007_collapse-order-statuses', 'missing']]);
    expect(status.lockHolder).toBeNull();
    expect(adapter.toolLocks).toEqual([]);
    expect(await cluster.sql(conn.database, "SELECT 1 FROM pg_class WHERE relname = 'umzug_migrations'")).toEqual([]);
  });

  it("up applies through the project's Umzug; status reads applied-at from the storage; connections are closed", async () => {
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn);
    expect(await adapter.up(2)).toEqual(NAMES.slice(0, 2));
    await cluster.sql(conn.database, seed);
    expect(await adapter.up()).toEqual(NAMES.slice(2));
    const status = await adapter.status();
    expect(status.applied.map((m) => m.name)).toEqual(NAMES);
    const history = await historyOf(conn);
    expect(status.applied.map((m) => m.appliedAt?.getTime())).toEqual(history.map((h) => h.applied_at.getTime()));
    expect(status.head).toBe('007_collapse-order-statuses');
    expect(await connectionsOf(conn)).toBe(0);
  });

  it('down 1 undoes the last migration', async () => {
    const conn = await shopDb(6);
    const result = await adapterFor(conn).down({ count: 1 });
    expect(result).toMatchObject({ singleTransaction: false, headAfter: '005_drop-customer-legacy-code', steps: [{ name: '006_backfill-product-sku', status: 'success' }] });
    expect((await historyOf(conn)).map((h) => h.name)).toEqual(NAMES.slice(0, 5));
  });

  it("down --to NAME keeps NAME applied (umzug's own `to` is inclusive)", async () => {
    const conn = await shopDb(6);
    const steps: string[] = [];
    const result = await adapterFor(conn).down({ to: '002_add-customer-phone' }, { onStep: (n) => steps.push(n) });
    expect(steps).toEqual(NAMES.slice(2, 6).reverse());
    expect(result.headAfter).toBe('002_add-customer-phone');
    expect((await historyOf(conn)).map((h) => h.name)).toEqual(NAMES.slice(0, 2));
    expect(await columnsOf(conn, 'orders')).toContain('note');
    expect(await columnsOf(conn, 'customers')).toContain('phone');
  });

  it('refuses to revert a migration without down (umzug would silently drop its record): exit 4, history identical', async () => {
    const conn = await shopDb(7);
    const before = await historyOf(conn);
    const err = await rejection(adapterFor(conn).down({ count: 1 }));
    expect(err.code).toBe('IRREVERSIBLE');
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('007_collapse-order-statuses (no down written)');
    expect(await historyOf(conn)).toEqual(before);
  });

  it('an unknown migration name is MIGRATION_NOT_FOUND; a too-large count is USAGE', async () => {
    const conn = await shopDb(2);
    const adapter = adapterFor(conn);
    const err = await rejection(adapter.down({ to: '001_create_tables' }));
    expect(err.code).toBe('MIGRATION_NOT_FOUND');
    expect(err.hint).toContain('001_create-tables');
    expect((await rejection(adapter.down({ count: 3 }))).message).toBe('--count 3 is more than the 2 applied migrations');
  });

  it('a failing down in the middle leaves the database at the last fully undone migration and says which', async () => {
    const { dir, cleanup } = await copyFixture('umzug/shop/migrations');
    try {
      await writeFile(
        path.join(dir, '004_rename-order-note.mjs'),
        "export async function up({ context: { client } }) { await client.query('ALTER TABLE orders RENAME COLUMN note TO customer_note'); }\n" +
          // The rename succeeds, then the down fails: the fixture's per-migration transaction must roll the rename back.
          "export async function down({ context: { client } }) { await client.query('ALTER TABLE orders RENAME COLUMN customer_note TO note'); await client.query('SELECT no_such_column FROM orders'); }\n",
      );
      const conn = await shopDb(6, dir);
      const err = await rejection(adapterFor(conn, dir).down({ count: 4 }));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('down migration 004_rename-order-note failed: column "no_such_column" does not exist');
      expect(err.message).toContain('Undone (committed): 006_backfill-product-sku, 005_drop-customer-legacy-code. Not undone: 004_rename-order-note, 003_index-orders-customer.');
      expect((await historyOf(conn)).map((h) => h.name)).toEqual(NAMES.slice(0, 4));
      expect(await columnsOf(conn, 'orders')).toContain('customer_note');
      expect(await connectionsOf(conn)).toBe(0);
    } finally {
      await cleanup();
    }
  });

  it('openAdapter on the fixture config (resolved from its directory) drives the umzug adapter', async () => {
    const conn = await cluster.createDatabase();
    const config = await resolveConfig({}, { cwd: SHOP, env: { DATABASE_URL: cluster.url(conn.database) } });
    const adapter = await openAdapter(config);
    expect(adapter.kind).toBe('umzug');
    expect(await adapter.up(1)).toEqual(['001_create-tables']);
    expect((await adapter.status()).head).toBe('001_create-tables');
  });

  it("with umzug's default glob resolver (down always wrapped) the module's own exports decide the down kind", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-umzug-glob-'));
    try {
      await writeFile(path.join(dir, '1-a.mjs'), 'export async function up() {}\nexport async function down() {}\n');
      await writeFile(path.join(dir, '2-b.mjs'), 'export async function up() {}\n');
      await writeFile(path.join(dir, '3-c.mjs'), 'export async function up() {}\nexport const down = false;\n');
      const umzug = new Umzug({ migrations: { glob: path.join(dir, '*.mjs') }, storage: memoryStorage(), logger: undefined });
      await umzug.up();
      const adapter = createUmzugAdapter({ conn: cluster.conn(), migrationsDir: '', configModule: { umzug } });
      const status = await adapter.status();
      expect(status.applied.map((m) => [m.name, m.down, m.appliedAt])).toEqual([
        // An empty down is there, and does nothing.
        ['1-a.mjs', 'empty', null],
        ['2-b.mjs', 'missing', null],
        ['3-c.mjs', 'irreversible', null],
      ]);
      const err = await rejection(adapter.down({ to: '1-a.mjs' }));
      expect(err.code).toBe('IRREVERSIBLE');
      expect(err.message).toContain('3-c.mjs (declared irreversible)');
      expect(err.message).toContain('2-b.mjs (no down written)');
      expect((await umzug.executed()).map((m) => m.name)).toEqual(['1-a.mjs', '2-b.mjs', '3-c.mjs']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a config whose umzug export is not an Umzug instance is CONFIG_INVALID', async () => {
    const err = await rejection(createUmzugAdapter({ conn: cluster.conn(), migrationsDir: '', configModule: { umzug: { up: 1 } } }).status());
    expect(err.code).toBe('CONFIG_INVALID');
  });
});
