/**
 * Only the damaged tables back from a WHOLE logical backup (the one
 * `dbrollback backup` or `migrate` took), for a team without a WAL archive:
 * `restore --backup ID --tables …` loads the whole schema and only those
 * tables' rows into a scratch database, checks them against the manifest's
 * fingerprints, and copies them side by side (or swaps them in place with
 * --replace, after a safety backup, the foreign keys from other tables made
 * again) — as a partial backup's tables are restored. `restore
 * --before-migration X --backup auto --tables …` does the same from the
 * backup `migrate` took at the head before X. Before, both were refused.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

interface TablesJson {
  ok: boolean;
  backupId: string;
  schema: string;
  replaced: boolean;
  aside: string | null;
  safetyBackupId: string | null;
  tables: Array<{ table: string; rows: number; matches: boolean }>;
  droppedKeys: string[];
  recreatedKeys: string[];
  auditKey: string | null;
  beforeMigration?: { kind: string; backupId: string; head: string | null };
}

const SQL_MIGRATIONS = {
  '001_shop.up.sql': `CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id), status text NOT NULL);
CREATE TABLE invoices (id serial PRIMARY KEY, order_id int NOT NULL REFERENCES orders (id), total int NOT NULL);
CREATE TABLE products (id serial PRIMARY KEY, sku text NOT NULL, price_cents int NOT NULL);
`,
  '001_shop.down.sql': 'DROP TABLE invoices, orders, products, customers;\n',
  '002_drop-product-price.up.sql': 'ALTER TABLE products DROP COLUMN price_cents;\n',
  '002_drop-product-price.down.sql': 'ALTER TABLE products ADD COLUMN price_cents int;\n',
};

describe('logtables: restore --backup ID --tables of a whole logical backup', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  it('restores two damaged tables side by side, swaps them in place with --replace (safety backup, inbound keys made again), and refuses a table the backup lacks', async () => {
    const project = await dirWith(SQL_MIGRATIONS, 'dbrollback-logtables-sql-');
    const { database } = await cluster.createDatabase();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-logtables-storage-'));
    const args = ['--migrations', project, '--migrator', 'sql', '--database-url', cluster.url(database), '--storage', storage];
    expect((await runBuiltCli(['migrate', '--to', '001_shop', '--backup', 'never', ...args])).exitCode).toBe(0);
    await cluster.sql(database, `INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 10) g;
      INSERT INTO orders (customer_id, status) SELECT 1 + g % 10, 'open' FROM generate_series(1, 100) g;
      INSERT INTO invoices (order_id, total) SELECT g, g * 10 FROM generate_series(1, 40) g;
      INSERT INTO products (sku, price_cents) SELECT 'sku' || g, g * 100 FROM generate_series(1, 30) g`);
    const ordersOf = async (table: string) => (await cluster.sql<{ s: string }>(database, `SELECT string_agg(id || ':' || customer_id || ':' || status, ',' ORDER BY id) AS s FROM ${table}`))[0]!.s;
    const pricesOf = async (table: string) => (await cluster.sql<{ s: string }>(database, `SELECT string_agg(id || ':' || sku || ':' || price_cents, ',' ORDER BY id) AS s FROM ${table}`))[0]!.s;
    const ordersBefore = await ordersOf('public.orders');
    const pricesBefore = await pricesOf('public.products');

    const taken = await runBuiltCli(['backup', '--json', ...args]);
    expect(taken.exitCode, taken.stderr).toBe(0);
    const id = taken.json<{ backup: { id: string } }>().backup.id;

    // The damage: orders without an invoice deleted by hand, products' price dropped by a migration; a later write to customers.
    await cluster.sql(database, 'DELETE FROM orders WHERE id > 40');
    expect((await runBuiltCli(['migrate', '--backup', 'never', ...args])).exitCode).toBe(0);
    await cluster.sql(database, "INSERT INTO customers (email) VALUES ('later@example.com')");
    const schemas = async () => (await cluster.sql<{ n: string }>(database, "SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'dbrollback_%' ORDER BY 1")).map((r) => r.n);

    // A table the backup does not hold: exit 2, the tables it holds named, nothing changed.
    const missing = await runBuiltCli(['restore', '--backup', id, '--tables', 'public.orders,public.refunds', '--json', ...args]);
    expect(missing.exitCode, missing.stderr).toBe(2);
    const refusal = missing.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>().error;
    expect(refusal.code).toBe('USAGE');
    expect(refusal.message).toBe(`--tables asks for public.refunds, which backup ${id} does not hold`);
    expect(refusal.hint).toContain(`Backup ${id} holds the rows of public.customers, public.dbrollback_migrations, public.invoices, public.orders, public.products:`);
    expect(refusal.hint).toContain('Nothing was changed.');
    expect(await schemas()).toEqual([]);
    expect(await ordersOf('public.orders')).not.toBe(ordersBefore);

    // Side by side: the backed-up rows in dbrollback_recovered_<ts>, the live tables untouched.
    const side = await runBuiltCli(['restore', '--backup', id, '--tables', 'public.orders,public.products', '--json', ...args]);
    expect(side.exitCode, side.stderr).toBe(0);
    const sideReport = side.json<TablesJson>();
    expect(sideReport).toMatchObject({ ok: true, backupId: id, replaced: false, safetyBackupId: null });
    expect(sideReport.tables.map((t) => [t.table, t.rows, t.matches])).toEqual([['public.orders', 100, true], ['public.products', 30, true]]);
    expect(await ordersOf(`"${sideReport.schema}".orders`)).toBe(ordersBefore);
    expect(await pricesOf(`"${sideReport.schema}".products`)).toBe(pricesBefore);
    expect(sideReport.droppedKeys).toEqual(['orders.orders_customer_id_fkey']);
    // Only the asked tables were copied; the live ones are as the damage left them.
    expect((await cluster.sql<{ t: string }>(database, `SELECT tablename AS t FROM pg_tables WHERE schemaname = '${sideReport.schema}' ORDER BY 1`)).map((r) => r.t)).toEqual(['orders', 'products']);
    expect((await cluster.sql<{ n: string }>(database, 'SELECT count(*)::text AS n FROM orders'))[0]!.n).toBe('40');
    expect(await cluster.sql(database, "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'products' AND column_name = 'price_cents'")).toHaveLength(0);
    expect((await cluster.sql<{ n: string }>(database, 'SELECT count(*)::text AS n FROM customers'))[0]!.n).toBe('11');
    // The scratch database is gone.
    expect(await cluster.sql(database, "SELECT 1 FROM pg_database WHERE datname LIKE 'dbrollback_partial_%'")).toHaveLength(0);

    // In place: the live tables replaced, a safety backup of them first, invoices' key into orders made again.
    const replace = await runBuiltCli(['restore', '--backup', id, '--tables', 'public.orders,public.products', '--replace', '--yes', '--json', ...args]);
    expect(replace.exitCode, replace.stderr).toBe(0);
    const replaced = replace.json<TablesJson>();
    expect(replaced).toMatchObject({ ok: true, replaced: true });
    expect(replaced.recreatedKeys).toEqual(['public.invoices.invoices_order_id_fkey']);
    expect(await ordersOf('public.orders')).toBe(ordersBefore);
    expect(await pricesOf('public.products')).toBe(pricesBefore);
    expect((await cluster.sql<{ n: string }>(database, 'SELECT count(*)::text AS n FROM customers'))[0]!.n).toBe('11');
    const keys = await cluster.sql<{ conname: string; convalidated: boolean; target: string }>(database, "SELECT conname, convalidated, confrelid::regclass::text AS target FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1");
    expect(keys).toEqual([
      { conname: 'invoices_order_id_fkey', convalidated: true, target: 'orders' },
      { conname: 'orders_customer_id_fkey', convalidated: true, target: 'customers' },
    ]);
    // The live tables as they were are kept aside, and were backed up (a partial backup of those two) before the swap.
    expect((await cluster.sql<{ n: string }>(database, `SELECT count(*)::text AS n FROM "${replaced.aside}".orders`))[0]!.n).toBe('40');
    const backups = await runBuiltCli(['backups', '--json', ...args]);
    const safety = backups.json<{ backups: Array<{ id: string; partial: { tables: string[] } | null }> }>().backups.find((b) => b.id === replaced.safetyBackupId);
    expect(safety?.partial?.tables).toEqual(['public.orders', 'public.products']);
    // --backup latest --tables: the newest whole backup of this database (the safety backup is partial, so not it).
    const latest = await runBuiltCli(['restore', '--backup', 'latest', '--tables', 'public.orders', '--json', ...args]);
    expect(latest.exitCode, latest.stderr).toBe(0);
    expect(latest.json<TablesJson>().backupId).toBe(id);
    // The run is in the audit trail as a restore of the backup's tables.
    const history = await runBuiltCli(['history', '--json', ...args]);
    expect(history.exitCode, history.stderr).toBe(0);
    expect(history.stdout).toContain('backup-tables');
  }, 300_000);
});

/** node-pg-migrate: 001 the schema, 002 voids every open order (no down). */
const NPM_MIGRATIONS = {
  '001_shop.js': `exports.up = (pgm) => {
  pgm.createTable('customers', { id: 'id', email: { type: 'text', notNull: true } });
  pgm.createTable('orders', { id: 'id', customer_id: { type: 'integer', notNull: true, references: 'customers' }, status: { type: 'text', notNull: true } });
};
exports.down = (pgm) => {
  pgm.dropTable('orders');
  pgm.dropTable('customers');
};
`,
  '002_void-open-orders.js': `exports.up = (pgm) => {
  pgm.sql("UPDATE orders SET status = 'void' WHERE status = 'open'");
};
exports.down = false;
`,
};

describe('logtables: restore --before-migration X --backup auto --tables on a node-pg-migrate project without a WAL archive', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  it('restores the tables from the logical backup migrate took at the head before X (not an older one), into --into-database', async () => {
    const project = await dirWith(NPM_MIGRATIONS, 'dbrollback-logtables-npm-');
    const { database } = await cluster.createDatabase();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-logtables-npm-storage-'));
    const args = ['--migrations', project, '--migrator', 'node-pg-migrate', '--database-url', cluster.url(database), '--storage', storage];
    // Two runs, each with the logical backup --backup auto takes without a WAL archive: before 001 (no tables), before 002.
    const first = await runBuiltCli(['migrate', '--count', '1', '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    await cluster.sql(database, `INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 5) g;
      INSERT INTO orders (customer_id, status) SELECT 1 + g % 5, CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'open' END FROM generate_series(1, 30) g`);
    const statuses = async (table: string) => (await cluster.sql<{ s: string }>(database, `SELECT string_agg(id || ':' || status, ',' ORDER BY id) AS s FROM ${table}`))[0]!.s;
    const before = await statuses('public.orders');
    const second = await runBuiltCli(['migrate', '--json', ...args]);
    expect(second.exitCode, second.stderr).toBe(0);
    const backupBefore002 = second.json<{ backupId: string }>().backupId;
    expect(backupBefore002).not.toBe(first.json<{ backupId: string }>().backupId);
    expect(await statuses('public.orders')).not.toBe(before);
    await cluster.sql(database, "INSERT INTO customers (email) VALUES ('later@example.com')");

    const run = await runBuiltCli(['restore', '--before-migration', '002_void-open-orders', '--backup', 'auto', '--tables', 'public.orders', '--into-database', cluster.url(database), '--json', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = run.json<TablesJson>();
    expect(report.beforeMigration).toMatchObject({ kind: 'logical-backup', backupId: backupBefore002, head: '001_shop' });
    expect(report).toMatchObject({ ok: true, backupId: backupBefore002, replaced: false });
    expect(report.tables.map((t) => [t.table, t.rows, t.matches])).toEqual([['public.orders', 30, true]]);
    expect(await statuses(`"${report.schema}".orders`)).toBe(before);
    // The live tables keep every write: orders still void, the later customer there.
    expect(await statuses('public.orders')).not.toBe(before);
    expect((await cluster.sql<{ n: string }>(database, 'SELECT count(*)::text AS n FROM customers'))[0]!.n).toBe('6');

    // The text says which backup the target resolved to first.
    const text = await runBuiltCli(['restore', '--before-migration', '002_void-open-orders', '--backup', 'auto', '--tables', 'public.orders', ...args]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain(`before 002_void-open-orders: logical backup ${backupBefore002} taken at head 001_shop`);
    expect(text.stdout).toContain(`1 table(s) of backup ${backupBefore002} restored`);
  }, 240_000);
});
