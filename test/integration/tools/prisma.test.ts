/**
 * Prisma against the real Prisma CLI (npm prisma 6.19.3): its WebAssembly
 * schema engine through @prisma/adapter-pg, configured in the fixture's
 * prisma.config.ts, runs `prisma migrate deploy` and `prisma migrate status`
 * here without the native engines (which are downloaded from a host this
 * machine cannot reach). The rows dbrollback writes equal the rows deploy
 * writes; `prisma migrate status` and `deploy` agree with what dbrollback
 * wrote (applied, pending, failed); dbrollback reads what deploy wrote; and
 * deploy's refusals (P3005, P3009) and lock are kept.
 */
import { execFile } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { connect } from '../../../src/db/connection.js';
import { findHistoryTables } from '../../../src/tools/detect.js';
import { createPrismaAdapter, PRISMA_LOCK } from '../../../src/tools/prisma/run.js';
import { detectMigrator } from '../../../src/tools/registry.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { copyFixture, FIXTURES, rejection } from './support.js';

const PROJECT = path.join(FIXTURES, 'prisma', 'shop');
const SHOP = path.join(PROJECT, 'prisma', 'migrations');
const NAMES = ['create_tables', 'add_customer_phone', 'index_orders_customer', 'rename_order_note', 'drop_customer_legacy_code', 'backfill_product_sku', 'collapse_order_statuses'].map((n, i) => `2024010${i + 1}000000_${n}`);
const CLI = path.resolve(import.meta.dirname, '../../../node_modules/prisma/build/index.js');

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
  await removeTempDirs();
});

const adapterFor = (conn: ConnInfo, dir = SHOP) => createPrismaAdapter({ conn, migrationsDir: dir });

/** The real Prisma CLI in a project directory (its prisma.config.ts), exit code and output. */
async function prismaCli(conn: ConnInfo, args: string[], cwd = PROJECT): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, DATABASE_URL: cluster.url(conn.database), PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      timeout: 120_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface Row {
  id: string;
  checksum: string;
  finished: boolean;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}
const rows = (conn: ConnInfo) =>
  cluster.sql<Row>(conn.database, 'SELECT id, checksum, finished_at IS NOT NULL AS finished, migration_name, logs, rolled_back_at, started_at, applied_steps_count FROM public._prisma_migrations ORDER BY started_at');
const comparable = (r: Row) => ({ checksum: r.checksum, finished: r.finished, migration_name: r.migration_name, logs: r.logs, rolled_back_at: r.rolled_back_at, applied_steps_count: r.applied_steps_count });
const tableShape = (conn: ConnInfo) =>
  cluster.sql(
    conn.database,
    `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '_prisma_migrations' ORDER BY ordinal_position`,
  );
const primaryKey = (conn: ConnInfo) => cluster.sql(conn.database, "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'public._prisma_migrations'::regclass");

describe('prisma adapter against the real prisma migrate deploy / status', () => {
  it('up writes the rows prisma migrate deploy writes: same table, same values (checksum = sha256 of migration.sql, one step, no logs), same order and schema', async () => {
    const byPrisma = await cluster.createDatabase();
    const byUs = await cluster.createDatabase();
    const deploy = await prismaCli(byPrisma, ['migrate', 'deploy']);
    expect(deploy.code, deploy.out).toBe(0);
    expect(await adapterFor(byUs).up()).toEqual(NAMES);
    expect(await tableShape(byUs)).toEqual(await tableShape(byPrisma));
    expect(await primaryKey(byUs)).toEqual(await primaryKey(byPrisma));
    const [ours, theirs] = [await rows(byUs), await rows(byPrisma)];
    expect(ours.map(comparable)).toEqual(theirs.map(comparable));
    expect(ours.every((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(r.id))).toBe(true);
    expect(await cluster.sql(byUs.database, "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1, 2")).toEqual(
      await cluster.sql(byPrisma.database, "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1, 2"),
    );
  });

  it('prisma migrate status agrees with what dbrollback applied, and deploy applies only the rest', async () => {
    const conn = await cluster.createDatabase();
    expect(await adapterFor(conn).up(3)).toEqual(NAMES.slice(0, 3));
    const status = await prismaCli(conn, ['migrate', 'status']);
    expect(status.out).toContain('Following migrations have not yet been applied:');
    for (const name of NAMES.slice(0, 3)) expect(status.out).not.toContain(name);
    for (const name of NAMES.slice(3)) expect(status.out).toContain(name);
    const deploy = await prismaCli(conn, ['migrate', 'deploy']);
    expect(deploy.code, deploy.out).toBe(0);
    const after = await rows(conn);
    expect(after.map((r) => r.migration_name)).toEqual(NAMES);
    expect((await prismaCli(conn, ['migrate', 'status'])).out).toContain('Database schema is up to date!');
    expect(await adapterFor(conn).up()).toEqual([]);
  });

  it('status reads what deploy wrote: applied with finished_at as applied-at, head the last folder, no down; status creates no table', async () => {
    const fresh = await cluster.createDatabase();
    expect((await adapterFor(fresh).status()).pending.map((m) => [m.name, m.down])).toEqual(NAMES.map((n) => [n, 'missing']));
    expect(await cluster.sql(fresh.database, "SELECT to_regclass('public._prisma_migrations') AS t")).toEqual([{ t: null }]);
    const conn = await cluster.createDatabase();
    expect((await prismaCli(conn, ['migrate', 'deploy'])).code).toBe(0);
    const status = await adapterFor(conn).status();
    expect(status.applied.map((m) => m.name)).toEqual(NAMES);
    expect(status.applied.every((m) => m.appliedAt instanceof Date)).toBe(true);
    expect(status.head).toBe(NAMES.at(-1));
  });

  it('a failing migration is recorded as failed exactly as deploy records it: prisma migrate status sees it, and both refuse to go on (P3009)', async () => {
    const { dir, cleanup } = await copyFixture('prisma/shop');
    // The copy's prisma.config.ts imports @prisma/adapter-pg: resolved through the repository's node_modules.
    await symlink(path.resolve(import.meta.dirname, '../../../node_modules'), path.join(dir, '..', 'node_modules'));
    try {
      await writeFile(path.join(dir, 'prisma', 'migrations', NAMES[2]!, 'migration.sql'), '-- CreateIndex\nCREATE INDEX "orders_customer_id_idx" ON "orders"("no_such_column");\n');
      const conn = await cluster.createDatabase();
      const err = await rejection(adapterFor(conn, path.join(dir, 'prisma', 'migrations')).up());
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain(`applying ${NAMES[2]} failed`);
      expect(err.message).toContain(`Applied before the failure: ${NAMES[0]}, ${NAMES[1]}`);
      expect(err.hint).toContain(`prisma migrate resolve --rolled-back ${NAMES[2]}`);
      const recorded = await rows(conn);
      expect(recorded.map((r) => [r.migration_name, r.finished, r.applied_steps_count])).toEqual([[NAMES[0], true, 1], [NAMES[1], true, 1], [NAMES[2], false, 0]]);
      expect(recorded[2]!.logs).toContain('no_such_column');
      // Prisma sees the failed attempt as recorded (not pending); deploy names it and stops.
      const status = await prismaCli(conn, ['migrate', 'status'], dir);
      expect(status.out).toContain('have not yet been applied:');
      expect(status.out.split('have not yet been applied:')[1]).not.toContain(NAMES[2]);
      const deploy = await prismaCli(conn, ['migrate', 'deploy'], dir);
      expect(deploy.out).toContain('P3009');
      expect(deploy.out).toContain(`The \`${NAMES[2]}\` migration started at`);
      const again = await rejection(adapterFor(conn, path.join(dir, 'prisma', 'migrations')).up());
      expect(again.code).toBe('MIGRATIONS_INVALID');
      expect(again.message).toContain('P3009');
      expect((await adapterFor(conn, path.join(dir, 'prisma', 'migrations')).status()).warnings?.[0]).toContain(`${NAMES[2]} is recorded as failed`);
    } finally {
      await cleanup();
    }
  });

  it('a non-empty schema without _prisma_migrations is refused as deploy refuses it (P3005); nothing is created', async () => {
    const conn = await cluster.createDatabase();
    await cluster.sql(conn.database, 'CREATE TABLE legacy (id int)');
    const err = await rejection(adapterFor(conn).up());
    expect(err.code).toBe('MIGRATIONS_INVALID');
    expect(err.message).toContain('P3005');
    expect(await cluster.sql(conn.database, "SELECT to_regclass('public._prisma_migrations') AS t")).toEqual([{ t: null }]);
    expect((await prismaCli(conn, ['migrate', 'deploy'])).out).toContain('P3005');
  });

  it('never writes while Prisma Migrate\'s advisory lock is held (LOCK_HELD naming it); undo is refused naming the restore', async () => {
    const conn = await cluster.createDatabase();
    const holder = await connect(conn);
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [PRISMA_LOCK.key.toString()]);
      const err = await rejection(adapterFor(conn).up(1));
      expect(err.code).toBe('LOCK_HELD');
      expect(err.message).toContain('prisma migrate');
    } finally {
      await holder.end();
    }
    expect(await adapterFor(conn).up(2)).toEqual(NAMES.slice(0, 2));
    const refused = await rejection(adapterFor(conn).down({ count: 1 }));
    expect(refused.code).toBe('IRREVERSIBLE');
    expect(refused.hint).toContain(`restore --before-migration ${NAMES[1]}`);
    expect(await rows(conn)).toHaveLength(2);
  });

  it('detection: the folder by migration_lock.toml; unknown files by the _prisma_migrations table deploy created', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: SHOP, configModule: undefined })).toBe('prisma');
    const conn = await cluster.createDatabase();
    expect((await prismaCli(conn, ['migrate', 'deploy'])).code).toBe(0);
    const plain = await dirWith({ 'schema.sql': 'CREATE TABLE t (id int);\n' });
    const db = await connect(conn);
    try {
      expect(await detectMigrator({ migrator: undefined, migrationsDir: plain, configModule: undefined }, { history: (probes) => findHistoryTables(db, probes) })).toBe('prisma');
    } finally {
      await db.end();
    }
  });
});
