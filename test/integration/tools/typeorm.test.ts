/**
 * TypeORM through the built CLI against a real cluster: the migrations
 * table as TypeORM writes it after dbrollback's migrate and undo (TypeORM's
 * own executor agreeing, and its own revert working on what dbrollback
 * left), the capture cache serving a second plan, and the patterns of real
 * projects (a DataSource at the project root with a working-directory glob
 * and its own table name, a class without `name`, an empty down).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MigrationExecutor, type DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTypeormProject, newDataSource, type TypeormProject } from '../../../src/tools/typeorm/project.js';
import { toolConnection } from '../../../src/tools/tool-connection.js';
import { runBuiltCli, type CliRun } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES } from './support.js';

const SHOP = path.join(FIXTURES, 'typeorm', 'shop');
const MIGRATIONS = path.join(SHOP, 'src', 'migrations');
const PATTERNS = path.join(FIXTURES, 'typeorm', 'patterns');
const CLASSES = ['CreateTables', 'AddCustomerPhone', 'IndexOrdersCustomer', 'RenameOrderNote', 'DropCustomerLegacyCode', 'BackfillProductSku', 'CollapseOrderStatuses'];
const NAMES = CLASSES.map((n, i) => `${n}170406720000${i + 1}`);

/** Each test drives several CLI runs (backups, throwaway clusters for captures): minutes on a busy two-core machine. */
let cluster: Cluster;
let storage: string;
let cacheDir: string;
let seed: string;
let shop: TypeormProject;

beforeAll(async () => {
  cluster = await startCluster({ settings: { wal_level: 'replica' } });
  storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-typeorm-storage-'));
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-typeorm-cache-'));
  seed = await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8');
  shop = await loadTypeormProject(path.join(SHOP, 'src', 'data-source.ts'));
});

afterAll(async () => {
  await cluster?.stop();
  await rm(storage, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
});

function cli(database: string, args: string[], project: string[] = ['--migrations', MIGRATIONS], options: { cwd?: string; cacheDir?: string } = {}): Promise<CliRun> {
  return runBuiltCli([...args, ...project, '--database-url', cluster.url(database), '--storage', storage, '--json'], {
    env: { DBROLLBACK_CACHE_DIR: options.cacheDir ?? cacheDir },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
}

function ok(run: CliRun, what: string): void {
  expect(run.exitCode, `${what}: ${run.stderr}`).toBe(0);
}

/** The table's rows as TypeORM keeps them: id order, the class's timestamp, its name. */
const rows = (database: string, table = 'migrations') =>
  cluster.sql<{ timestamp: string; name: string }>(database, `SELECT timestamp::text, name FROM public.${table} ORDER BY id`).then((r) => r.map((x) => [Number(x.timestamp), x.name]));

const expected = (names: readonly string[]) => names.map((n) => [Number(n.slice(-13)), n]);

/** TypeORM's own executor on the database (a DataSource of the project's class). */
async function withTypeorm<T>(database: string, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = newDataSource(shop, await toolConnection(cluster.conn(database))) as unknown as DataSource;
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

const typeormView = (database: string) =>
  withTypeorm(database, async (ds) => {
    const executor = new MigrationExecutor(ds);
    return { executed: (await executor.getExecutedMigrations()).map((m) => m.name).reverse(), pending: (await executor.getPendingMigrations()).map((m) => m.name) };
  });

describe('TypeORM through the CLI', () => {
  let database: string;
  beforeAll(async () => {
    database = (await cluster.createDatabase()).database;
  });

  it("migrate applies through TypeORM's runner one migration at a time: the migrations table holds each class's timestamp and name, and TypeORM agrees", { timeout: 240_000 }, async () => {
    ok(await cli(database, ['migrate', '--count', '2']), 'migrate --count 2');
    await cluster.sql(database, seed);
    ok(await cli(database, ['migrate', '--to', NAMES[3]!]), 'migrate --to 004');
    expect(await rows(database)).toEqual(expected(NAMES.slice(0, 4)));
    expect(await typeormView(database)).toEqual({ executed: NAMES.slice(0, 4), pending: NAMES.slice(4) });
    // Step 3 ran outside a transaction (transaction = false), as CREATE INDEX CONCURRENTLY needs.
    expect(await cluster.sql(database, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.orders_customer_id_idx'::regclass")).toEqual([{ indisvalid: true }]);
  });

  it('undo --count 2 reverts one migration at a time, newest first (the CONCURRENTLY down outside a transaction); the table and TypeORM agree', { timeout: 240_000 }, async () => {
    const undo = await cli(database, ['undo', '--count', '2', '--yes']);
    ok(undo, 'undo --count 2');
    expect(undo.json<{ undone: string[] }>().undone).toEqual([NAMES[3], NAMES[2]]);
    expect(await rows(database)).toEqual(expected(NAMES.slice(0, 2)));
    expect(await typeormView(database)).toEqual({ executed: NAMES.slice(0, 2), pending: NAMES.slice(2) });
    expect(await cluster.sql(database, "SELECT to_regclass('public.orders_customer_id_idx') AS idx")).toEqual([{ idx: null }]);
  });

  it("TypeORM's own revert and run work on what dbrollback left", { timeout: 240_000 }, async () => {
    await withTypeorm(database, (ds) => ds.undoLastMigration());
    expect(await rows(database)).toEqual(expected(NAMES.slice(0, 1)));
    expect((await cli(database, ['status'])).json<{ head: string }>().head).toBe(NAMES[0]);
    ok(await cli(database, ['migrate', '--to', NAMES[3]!]), 'migrate --to 004 again');
    expect(await rows(database)).toEqual(expected(NAMES.slice(0, 4)));
  });

  it('status says the table keeps no applied-at times', { timeout: 240_000 }, async () => {
    const status = (await cli(database, ['status'])).json<{ migrator: string; appliedAtNote?: string; migrations: Array<{ name: string; down: string }> }>();
    expect(status.migrator).toBe('typeorm');
    expect(status.migrations.map((m) => m.down)).toEqual(['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'irreversible']);
  });

  it('the capture cache serves a second plan: no migration replayed, the same plan', { timeout: 240_000 }, async () => {
    // A cache of its own: the undo above already cached the downs this plan needs.
    const fresh = { cacheDir: await mkdtemp(path.join(os.tmpdir(), 'dbrollback-plan-cache-')) };
    const first = await cli(database, ['plan', '--count', '1'], undefined, fresh);
    ok(first, 'plan');
    const second = await cli(database, ['plan', '--count', '1'], undefined, fresh);
    await rm(fresh.cacheDir, { recursive: true, force: true });
    ok(second, 'plan again');
    type Plan = { type: string; capture: { replayed: number; cached: number } | null; migrations: unknown[]; steps: unknown[] };
    const [a, b] = [first.json<Plan>(), second.json<Plan>()];
    expect(a.type).toBe('undo');
    expect(a.capture?.replayed).toBeGreaterThan(0);
    expect(b.capture?.replayed).toBe(0);
    expect(b.capture?.cached).toBeGreaterThan(0);
    expect(b.migrations).toEqual(a.migrations);
    expect(b.steps).toEqual(a.steps);
  });
});

describe('TypeORM patterns from real projects', () => {
  const names = ['Init1710000000000', 'AddUserNickname1710000000100', 'BackfillNicknames1710000000200'];

  it('a DataSource at the project root (run from there): its glob, its table name, a class without `name`; an empty down is refused', { timeout: 240_000 }, async () => {
    const database = (await cluster.createDatabase()).database;
    const here = { cwd: PATTERNS };
    const status = await cli(database, ['status'], [], here);
    ok(status, 'status');
    expect(status.json<{ migrator: string; migrations: Array<{ name: string; down: string }> }>().migrations.map((m) => [m.name, m.down])).toEqual([
      [names[0], 'yes'],
      [names[1], 'yes'],
      [names[2], 'empty'],
    ]);
    ok(await cli(database, ['migrate'], [], here), 'migrate');
    expect(await rows(database, 'typeorm_migrations')).toEqual(expected(names));
    const refused = await cli(database, ['undo', '--count', '1', '--yes'], [], here);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain(names[2]);
    expect(await rows(database, 'typeorm_migrations')).toEqual(expected(names));
  });

  it("classify captures only what each migration sent (not TypeORM's own table or checks)", { timeout: 240_000 }, async () => {
    const classify = await runBuiltCli(['classify', path.join(PATTERNS, 'src', 'migrations'), '--json'], { env: { DBROLLBACK_CACHE_DIR: cacheDir }, cwd: PATTERNS });
    ok(classify, 'classify');
    const files = classify.json<{ files: Array<{ path: string; kind: string; statements: Array<{ sql: string }> }> }>().files;
    expect(files.every((f) => f.kind === 'typeorm')).toBe(true);
    expect(files[0]!.statements.map((s) => s.sql.split(' (')[0])).toEqual([`CREATE TYPE "public"."users_role_enum" AS ENUM('admin', 'member')`, 'CREATE TABLE "users"']);
    expect(files.flatMap((f) => f.statements.map((s) => s.sql)).filter((s) => /typeorm_|information_schema|pg_catalog/.test(s))).toEqual([]);
  });
});
