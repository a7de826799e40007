/**
 * Knex through the built CLI against a real cluster: the batch column as
 * Knex keeps it after dbrollback's migrate and undo (and Knex's own
 * Migrator agreeing afterwards), Knex's lock honoured, the capture cache
 * serving a second plan, and the patterns of real projects (a CommonJS
 * knexfile with its own table and directory, empty downs, .cjs modules).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnexProject, openKnex, type KnexProject } from '../../../src/tools/knex/project.js';
import { toolConnection } from '../../../src/tools/tool-connection.js';
import { runBuiltCli, type CliRun } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES, SHOP_NAMES } from './support.js';

const SHOP = path.join(FIXTURES, 'knex', 'shop');
const PATTERNS = path.join(FIXTURES, 'knex', 'patterns');
const NAMES = SHOP_NAMES.map((n) => `${n}.ts`);

/** Each test drives several CLI runs (backups, throwaway clusters for captures): minutes on a busy two-core machine. */
let cluster: Cluster;
let storage: string;
let cacheDir: string;
let seed: string;
let shop: KnexProject;

beforeAll(async () => {
  cluster = await startCluster({ settings: { wal_level: 'replica' } });
  storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-knex-storage-'));
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-knex-cache-'));
  seed = await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8');
  shop = await loadKnexProject(path.join(SHOP, 'knexfile.ts'));
});

afterAll(async () => {
  await cluster?.stop();
  await rm(storage, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
});

function cli(database: string, args: string[], project = ['--migrations', path.join(SHOP, 'migrations')], options: { cwd?: string; cacheDir?: string } = {}): Promise<CliRun> {
  return runBuiltCli([...args, ...project, '--database-url', cluster.url(database), '--storage', storage, '--json'], {
    env: { DBROLLBACK_CACHE_DIR: options.cacheDir ?? cacheDir },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
}

function ok(run: CliRun, what: string): void {
  expect(run.exitCode, `${what}: ${run.stderr}`).toBe(0);
}

const rows = (database: string, table = 'knex_migrations') =>
  cluster.sql<{ name: string; batch: number }>(database, `SELECT name, batch FROM public.${table} ORDER BY id`).then((r) => r.map((x) => [x.name, x.batch]));

/** Knex's own Migrator on the database: what it lists as completed and pending. */
async function knexList(database: string): Promise<{ completed: string[]; pending: string[] }> {
  const knex = openKnex(shop, await toolConnection(cluster.conn(database))) as unknown as {
    migrate: { list(): Promise<[Array<{ name: string }>, Array<{ file: string }>]>; rollback(): Promise<[number, string[]]> };
    destroy(): Promise<void>;
  };
  try {
    const [completed, pending] = await knex.migrate.list();
    return { completed: completed.map((c) => c.name), pending: pending.map((p) => p.file) };
  } finally {
    await knex.destroy();
  }
}

describe('knex through the CLI', () => {
  let database: string;
  beforeAll(async () => {
    database = (await cluster.createDatabase()).database;
  });

  it('migrate applies one migration per Knex run: each is a batch of its own, as `knex migrate:up` records it; Knex lists them as completed', { timeout: 240_000 }, async () => {
    ok(await cli(database, ['migrate', '--count', '2']), 'migrate --count 2');
    await cluster.sql(database, seed);
    ok(await cli(database, ['migrate', '--to', NAMES[3]!]), 'migrate --to 004');
    expect(await rows(database)).toEqual(NAMES.slice(0, 4).map((n, i) => [n, i + 1]));
    expect(await knexList(database)).toEqual({ completed: NAMES.slice(0, 4), pending: NAMES.slice(4) });
    // The lock row is back to free after every run.
    expect(await cluster.sql(database, 'SELECT is_locked FROM public.knex_migrations_lock')).toEqual([{ is_locked: 0 }]);
  });

  it('undo --count 2 runs the downs one at a time, newest first; the rows left keep their batches, and Knex agrees', { timeout: 240_000 }, async () => {
    const undo = await cli(database, ['undo', '--count', '2', '--yes']);
    ok(undo, 'undo --count 2');
    expect(undo.json<{ undone: string[] }>().undone).toEqual([NAMES[3], NAMES[2]]);
    expect(await rows(database)).toEqual(NAMES.slice(0, 2).map((n, i) => [n, i + 1]));
    expect(await knexList(database)).toEqual({ completed: NAMES.slice(0, 2), pending: NAMES.slice(2) });
    const columns = await cluster.sql<{ column_name: string }>(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND column_name LIKE '%note'");
    expect(columns).toEqual([{ column_name: 'note' }]);
  });

  it("Knex's own rollback afterwards undoes exactly the last batch dbrollback left (one migration)", { timeout: 240_000 }, async () => {
    const knex = openKnex(shop, await toolConnection(cluster.conn(database)));
    try {
      const [, undone] = await (knex.migrate as unknown as { rollback(): Promise<[number, string[]]> }).rollback();
      expect(undone).toEqual([NAMES[1]]);
    } finally {
      await knex.destroy();
    }
    expect(await rows(database)).toEqual([[NAMES[0], 1]]);
    expect((await cli(database, ['status'])).json<{ head: string }>().head).toBe(NAMES[0]);
  });

  it('refuses while knex_migrations_lock is set (exit 1, LOCK_HELD), naming the lock and `knex migrate:unlock`; nothing changes', { timeout: 240_000 }, async () => {
    await cluster.sql(database, 'UPDATE public.knex_migrations_lock SET is_locked = 1');
    try {
      for (const args of [['migrate', '--count', '1'], ['undo', '--count', '1', '--yes']]) {
        const run = await cli(database, args);
        expect(run.exitCode, run.stderr).toBe(1);
        const error = run.json<{ error: { code: string; message: string; hint: string } }>().error;
        expect(error.code).toBe('LOCK_HELD');
        expect(`${error.message} ${error.hint}`).toContain('knex_migrations_lock.is_locked = 1');
        expect(`${error.message} ${error.hint}`).toContain('knex migrate:unlock');
      }
      expect(await rows(database)).toEqual([[NAMES[0], 1]]);
      const status = (await cli(database, ['status'])).json<{ head: string }>();
      expect(status.head).toBe(NAMES[0]);
    } finally {
      await cluster.sql(database, 'UPDATE public.knex_migrations_lock SET is_locked = 0');
    }
    ok(await cli(database, ['migrate', '--count', '1']), 'migrate once the lock is free');
    expect(await rows(database)).toEqual([[NAMES[0], 1], [NAMES[1], 2]]);
  });

  it('the capture cache serves a second plan: no migration replayed, the same plan', { timeout: 240_000 }, async () => {
    ok(await cli(database, ['migrate', '--to', NAMES[3]!]), 'migrate --to 004');
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

describe('knex patterns from real projects', () => {
  const project = ['--migrations', path.join(PATTERNS, 'db', 'migrations')];
  const names = ['20240301090000_create_accounts.js', '20240301090100_account_status_enum.js', '20240301090200_seed_admin.js', '20240301090300_account_emails_view.cjs'];

  it("a CommonJS knexfile's own table and directory; an empty down is reported, and undo refuses it", { timeout: 240_000 }, async () => {
    const database = (await cluster.createDatabase()).database;
    const status = await cli(database, ['status'], project);
    ok(status, 'status');
    expect(status.json<{ migrator: string; migrations: Array<{ name: string; down: string }> }>().migrations.map((m) => [m.name, m.down])).toEqual([
      [names[0], 'yes'],
      [names[1], 'yes'],
      [names[2], 'empty'],
      [names[3], 'yes'],
    ]);
    ok(await cli(database, ['migrate'], project), 'migrate');
    expect(await rows(database, 'knex_history')).toEqual(names.map((n, i) => [n, i + 1]));
    ok(await cli(database, ['undo', '--count', '1', '--yes'], project), 'undo --count 1');
    const refused = await cli(database, ['undo', '--count', '1', '--yes'], project);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<{ error: { code: string; message: string } }>().error.message).toContain(names[2]);
    expect(await rows(database, 'knex_history')).toEqual(names.slice(0, 3).map((n, i) => [n, i + 1]));
  });

  it('classify captures raw SQL and the schema builder alike, from the migrations directory alone', { timeout: 240_000 }, async () => {
    const classify = await runBuiltCli(['classify', path.join(PATTERNS, 'db', 'migrations'), '--json'], { env: { DBROLLBACK_CACHE_DIR: cacheDir } });
    ok(classify, 'classify');
    const files = classify.json<{ files: Array<{ path: string; kind: string; statements: Array<{ sql: string }> }> }>().files;
    expect(files.map((f) => path.basename(f.path))).toEqual(names);
    expect(files.every((f) => f.kind === 'knex')).toBe(true);
    expect(files[1]!.statements.map((s) => s.sql)).toEqual(["CREATE TYPE account_status AS ENUM ('active', 'suspended')", "ALTER TABLE accounts ADD COLUMN status account_status NOT NULL DEFAULT 'active'"]);
    // Knex's own statements (history, lock, existence checks) are not the migration's.
    expect(files.flatMap((f) => f.statements.map((s) => s.sql)).filter((s) => /knex_|information_schema/.test(s))).toEqual([]);
  });
});
