/**
 * Drizzle against the real drizzle-orm migrator (npm drizzle-orm 0.45,
 * node-postgres driver) and the real drizzle-kit: the history dbrollback
 * writes equals the one drizzle-orm writes (DDL, hash, created_at, order),
 * drizzle-orm's own migrator agrees with it afterwards (nothing re-applied),
 * dbrollback reads what drizzle-orm wrote, and the refusals.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { drizzle as drizzleOrm } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { detectMigrator } from '../../../src/tools/registry.js';
import { findHistoryTables } from '../../../src/tools/detect.js';
import { createDrizzleAdapter } from '../../../src/tools/drizzle/run.js';
import { connect } from '../../../src/db/connection.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { copyFixture, FIXTURES, rejection } from './support.js';

const PROJECT = path.join(FIXTURES, 'drizzle', 'shop');
const SHOP = path.join(PROJECT, 'migrations');
const TAGS = ['0000_create-tables', '0001_add-customer-phone', '0002_index-orders-customer', '0003_rename-order-note', '0004_drop-customer-legacy-code', '0005_backfill-product-sku', '0006_collapse-order-statuses'];

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
  await removeTempDirs();
});

const adapterFor = (conn: ConnInfo, dir = SHOP) => createDrizzleAdapter({ conn, migrationsDir: dir });

/** drizzle-orm's own migrator, as a Drizzle application runs it at start-up. */
async function drizzleOrmMigrate(conn: ConnInfo, dir = SHOP): Promise<void> {
  const client = new pg.Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: conn.database });
  await client.connect();
  try {
    await drizzleMigrate(drizzleOrm(client), { migrationsFolder: dir });
  } finally {
    await client.end();
  }
}

const rows = (conn: ConnInfo) => cluster.sql<{ id: number; hash: string; created_at: string }>(conn.database, 'SELECT id, hash, created_at::text FROM drizzle.__drizzle_migrations ORDER BY id');
const tableShape = (conn: ConnInfo) =>
  cluster.sql(conn.database, "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'drizzle' AND table_name = '__drizzle_migrations' ORDER BY ordinal_position");
const userSchema = (conn: ConnInfo) =>
  cluster.sql(conn.database, "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name");

describe('drizzle adapter against drizzle-orm and drizzle-kit', () => {
  it('up writes the history drizzle-orm writes: same table, same rows (hash = sha256 of the file, created_at = the journal\'s when), same order, same schema', async () => {
    const byDrizzle = await cluster.createDatabase();
    const byUs = await cluster.createDatabase();
    await drizzleOrmMigrate(byDrizzle);
    expect(await adapterFor(byUs).up()).toEqual(TAGS);
    expect(await tableShape(byUs)).toEqual(await tableShape(byDrizzle));
    const [ours, theirs] = [await rows(byUs), await rows(byDrizzle)];
    expect(ours.map((r) => [r.id, r.hash, r.created_at])).toEqual(theirs.map((r) => [r.id, r.hash, r.created_at]));
    expect(ours).toHaveLength(7);
    expect(await userSchema(byUs)).toEqual(await userSchema(byDrizzle));
  });

  it('drizzle-orm\'s migrator agrees afterwards: after dbrollback applied three, it applies only the other four, never one again', async () => {
    const conn = await cluster.createDatabase();
    expect(await adapterFor(conn).up(3)).toEqual(TAGS.slice(0, 3));
    await drizzleOrmMigrate(conn);
    const after = await rows(conn);
    expect(after).toHaveLength(7);
    expect(new Set(after.map((r) => r.created_at)).size).toBe(7);
    // And with everything applied by dbrollback, drizzle-orm finds nothing to do.
    const all = await cluster.createDatabase();
    await adapterFor(all).up();
    await drizzleOrmMigrate(all);
    expect(await rows(all)).toHaveLength(7);
  });

  it('status reads what drizzle-orm wrote: every migration applied, head the last tag, no down (the way back is a restore); the table is not created by status', async () => {
    const fresh = await cluster.createDatabase();
    const before = await adapterFor(fresh).status();
    expect(before.pending.map((m) => [m.name, m.down])).toEqual(TAGS.map((t) => [t, 'missing']));
    expect(await cluster.sql(fresh.database, "SELECT to_regclass('drizzle.__drizzle_migrations') AS t")).toEqual([{ t: null }]);
    const conn = await cluster.createDatabase();
    await drizzleOrmMigrate(conn);
    const status = await adapterFor(conn).status();
    expect(status.applied.map((m) => m.name)).toEqual(TAGS);
    expect(status.head).toBe(TAGS.at(-1));
    expect(status.pending).toEqual([]);
  });

  it('undo is refused before anything is touched (IRREVERSIBLE, exit 4) naming the restore; a bad --count is bad usage', async () => {
    const conn = await cluster.createDatabase();
    await adapterFor(conn).up(4);
    const err = await rejection(adapterFor(conn).down({ count: 2 }));
    expect(err.code).toBe('IRREVERSIBLE');
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('Drizzle has no down migrations');
    expect(err.hint).toContain(`restore --before-migration ${TAGS[2]}`);
    expect((await rejection(adapterFor(conn).down({ count: 9 }))).code).toBe('USAGE');
    expect(await rows(conn)).toHaveLength(4);
  });

  it('a failing migration is rolled back with its own transaction; the ones before it stay applied and the message says which', async () => {
    const { dir, cleanup } = await copyFixture('drizzle/shop/migrations');
    try {
      await writeFile(path.join(dir, '0002_index-orders-customer.sql'), 'CREATE INDEX "orders_customer_id_idx" ON "orders" USING btree ("no_such_column");');
      const conn = await cluster.createDatabase();
      const err = await rejection(adapterFor(conn, dir).up());
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('applying 0002_index-orders-customer failed');
      expect(err.message).toContain(`Applied before the failure (committed): ${TAGS[0]}, ${TAGS[1]}`);
      expect(await rows(conn)).toHaveLength(2);
      expect((await adapterFor(conn, dir).status()).head).toBe(TAGS[1]);
    } finally {
      await cleanup();
    }
  });

  it('a journal entry older than the head with no row is refused (drizzle-orm would skip it forever) and status warns about it', async () => {
    const conn = await cluster.createDatabase();
    await adapterFor(conn).up(2);
    // As if 0001 had been applied and 0000 never: drizzle-orm compares only the newest created_at.
    await cluster.sql(conn.database, 'DELETE FROM drizzle.__drizzle_migrations WHERE id = 1');
    const status = await adapterFor(conn).status();
    expect(status.pending.map((m) => m.name)).toEqual([TAGS[0], ...TAGS.slice(2)]);
    expect(status.warnings?.[0]).toContain(`${TAGS[0]} has no history row but is older than the head`);
    const err = await rejection(adapterFor(conn).up(1));
    expect(err.code).toBe('MIGRATIONS_INVALID');
    expect(err.message).toContain('would never apply it');
    expect(await rows(conn)).toHaveLength(1);
  });

  it('detection: the folder by its meta/_journal.json; unknown files by the history table drizzle-orm created; a folder in two tools\' formats refused naming both', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: SHOP, configModule: undefined })).toBe('drizzle');
    const conn = await cluster.createDatabase();
    await drizzleOrmMigrate(conn);
    const plain = await dirWith({ 'schema.sql': 'CREATE TABLE t (id int);\n' });
    const db = await connect(conn);
    try {
      expect(await detectMigrator({ migrator: undefined, migrationsDir: plain, configModule: undefined }, { history: (probes) => findHistoryTables(db, probes) })).toBe('drizzle');
    } finally {
      await db.end();
    }
    const both = await dirWith({ '0000_init.sql': 'CREATE TABLE t (id int);', '001_x.up.sql': 'SELECT 1;' });
    await mkdir(path.join(both, 'meta'));
    await writeFile(path.join(both, 'meta', '_journal.json'), await readFile(path.join(SHOP, 'meta', '_journal.json'), 'utf8'));
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: both, configModule: undefined }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(err.message).toContain('drizzle (');
    expect(err.message).toContain('sql (');
  });

  it('the fixture is drizzle-kit\'s own output: generating from its schema.ts finds nothing left to migrate', async () => {
    const { dir, cleanup } = await copyFixture('drizzle/shop/migrations');
    try {
      const kit = path.resolve(import.meta.dirname, '../../../node_modules/.bin/drizzle-kit');
      const { stdout, stderr } = await promisify(execFile)(kit, ['generate', '--dialect', 'postgresql', '--schema', './schema.ts', '--out', path.relative(PROJECT, dir)], { cwd: PROJECT });
      expect(stdout + stderr).toContain('No schema changes, nothing to migrate');
    } finally {
      await cleanup();
    }
  });
});
