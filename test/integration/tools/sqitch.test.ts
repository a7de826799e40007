/**
 * Sqitch against the real thing: the shop project is deployed, reverted and
 * verified by the real `sqitch` (Debian's 1.3) on a real cluster with a
 * password, through dbrollback's adapter and directly; the registry rows
 * dbrollback's runs leave are Sqitch's own, and Sqitch's own status agrees.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { connect } from '../../../src/db/connection.js';
import { acquireLock } from '../../../src/db/lock.js';
import { detectMigrator } from '../../../src/tools/registry.js';
import { createSqitchAdapter, SQITCH_LOCK } from '../../../src/tools/sqitch/run.js';
import { findSqitch, runSqitch, targetUri } from '../../../src/tools/sqitch/program.js';
import { verify } from '../../../src/verify/verify.js';
import { runBuiltCli } from '../../harness/cli.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { copyFixture, FIXTURES, historyLookupIn, rejection, SHOP_NAMES } from './support.js';

const SHOP = path.join(FIXTURES, 'sqitch/shop');

let cluster: Cluster;
let seed: string;
let sqitch: string;

beforeAll(async () => {
  cluster = await startCluster();
  seed = await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8');
  const found = await findSqitch();
  if (!found) throw new Error('sqitch is not installed: apt-get install -y sqitch libdbd-pg-perl (scripts/install-deps.sh does)');
  sqitch = found;
});

afterAll(async () => {
  await removeTempDirs();
  await cluster?.stop();
});

const adapterFor = (conn: ConnInfo, dir = SHOP) => createSqitchAdapter({ conn, migrationsDir: dir });
const sqitchOn = (conn: ConnInfo, command: string, args: string[] = [], dir = SHOP) => runSqitch({ program: sqitch, conn, dir }, command, args, { allowFailure: true });
const changesOf = async (conn: ConnInfo) =>
  (await cluster.sql<{ change: string }>(conn.database, 'SELECT change FROM sqitch.changes ORDER BY committed_at')).map((r) => r.change);
const eventsOf = async (conn: ConnInfo) =>
  (await cluster.sql<{ event: string; change: string }>(conn.database, 'SELECT event, change FROM sqitch.events ORDER BY committed_at')).map((r) => `${r.event} ${r.change}`);

async function shop(count: number, dir = SHOP): Promise<ConnInfo> {
  const conn = await cluster.createDatabase();
  const adapter = adapterFor(conn, dir);
  await adapter.up(Math.min(count, 2));
  await cluster.sql(conn.database, seed);
  if (count > 2) await adapter.up(count - 2);
  return conn;
}

describe('sqitch: through the real sqitch', () => {
  it('up deploys one change per sqitch run, recorded in Sqitch\'s own registry; sqitch status agrees', async () => {
    const conn = await shop(7);
    expect(await changesOf(conn)).toEqual(SHOP_NAMES);
    expect(await eventsOf(conn)).toEqual(SHOP_NAMES.map((n) => `deploy ${n}`));
    const status = await adapterFor(conn).status();
    expect(status.head).toBe('007_collapse-order-statuses');
    expect(status.pending).toEqual([]);
    expect(status.applied.find((m) => m.name === '004_rename-order-note')?.tags).toEqual(['@v1.0']);
    expect(status.applied.every((m) => m.appliedAt instanceof Date)).toBe(true);
    const own = await sqitchOn(conn, 'status');
    expect(own.exitCode).toBe(0);
    expect(own.stdout).toContain('Nothing to deploy (up-to-date)');
  });

  it('status on an empty database lists the plan with down kinds and creates no registry', async () => {
    const conn = await cluster.createDatabase();
    const status = await adapterFor(conn).status();
    expect(status.migrator).toBe('sqitch');
    expect(status.pending.map((m) => [m.name, m.down])).toEqual([...SHOP_NAMES.slice(0, 6).map((n) => [n, 'yes']), ['007_collapse-order-statuses', 'missing']]);
    expect(await cluster.sql(conn.database, "SELECT to_regnamespace('sqitch') AS s")).toEqual([{ s: null }]);
  });

  it('down --count and --to revert through sqitch revert --to; Sqitch logs the reverts and reads the result as we do', async () => {
    const conn = await shop(6);
    const one = await adapterFor(conn).down({ count: 2 });
    expect(one).toMatchObject({ singleTransaction: false, headAfter: '004_rename-order-note' });
    expect(one.steps.map((s) => [s.name, s.status])).toEqual([
      ['006_backfill-product-sku', 'success'],
      ['005_drop-customer-legacy-code', 'success'],
    ]);
    const two = await adapterFor(conn).down({ to: '001_create-tables' });
    expect(two.headAfter).toBe('001_create-tables');
    expect(await changesOf(conn)).toEqual(['001_create-tables']);
    expect((await eventsOf(conn)).slice(-5)).toEqual(['revert 006_backfill-product-sku', 'revert 005_drop-customer-legacy-code', 'revert 004_rename-order-note', 'revert 003_index-orders-customer', 'revert 002_add-customer-phone']);
    const own = await sqitchOn(conn, 'status');
    expect(own.stdout).toContain('# Change:   ');
    expect(own.stdout).toContain('001_create-tables');
    const everything = await adapterFor(conn).down({ count: 1 });
    expect(everything.headAfter).toBeNull();
  });

  it('--to a tag (@v1.0) keeps the tagged change', async () => {
    const conn = await shop(6);
    const result = await adapterFor(conn).down({ to: '@v1.0' });
    expect(result.headAfter).toBe('004_rename-order-note');
  });

  it('refuses to revert a change without a revert script before anything runs (IRREVERSIBLE)', async () => {
    const conn = await shop(7);
    const events = await eventsOf(conn);
    const err = await rejection(adapterFor(conn).down({ count: 2 }));
    expect(err.code).toBe('IRREVERSIBLE');
    expect(err.message).toContain('007_collapse-order-statuses');
    expect(await eventsOf(conn)).toEqual(events);
  });

  it('a failing revert stops Sqitch there: the database is at the last fully reverted change and the error says so', async () => {
    const { dir, cleanup } = await copyFixture('sqitch/shop');
    try {
      const conn = await shop(6, dir);
      await writeFile(path.join(dir, 'revert/004_rename-order-note.sql'), 'BEGIN;\nALTER TABLE orders RENAME COLUMN no_such_column TO note;\nCOMMIT;\n');
      const err = await rejection(adapterFor(conn, dir).down({ count: 4 }));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('Undone (committed): 006_backfill-product-sku, 005_drop-customer-legacy-code');
      expect(err.message).toContain('The database is at 004_rename-order-note');
      expect(await changesOf(conn)).toEqual(SHOP_NAMES.slice(0, 4));
    } finally {
      await cleanup();
    }
  });

  it('the verify scripts join the verify gate: pass on a sound database, fail naming the change when its object is gone', async () => {
    const conn = await shop(4);
    const adapter = adapterFor(conn);
    const target = { conn, cwd: SHOP, migrationsDir: SHOP, toolVerify: async () => ({ available: true as const, tool: 'sqitch', ...(await adapter.verifyApplied!()) }) };
    const good = await verify(target, { checks: ['tool-verify'] });
    expect(good.checks[0]).toMatchObject({ id: 'tool-verify', status: 'pass', detail: 'sqitch: sqitch verify: 4 deployed changes verified' });
    await cluster.sql(conn.database, 'ALTER TABLE customers DROP COLUMN phone');
    const bad = await verify(target, { checks: ['tool-verify'] });
    expect(bad.ok).toBe(false);
    expect(bad.checks[0]!.problems?.[0]).toMatch(/^002_add-customer-phone: its verify script failed \(.*column "phone" does not exist/);
  });

  it('undo and restore (built CLI) run the verify scripts in their verify gate: tool-verify passes on the undone database and on the restored copy', { timeout: 240_000 }, async () => {
    const conn = await shop(4);
    const storage = await dirWith({});
    const args = ['--migrations', SHOP, '--database-url', cluster.url(conn.database), '--storage', storage, '--json'];
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const undone = undo.json<{ verify: { checks: Array<{ id: string; status: string; detail: string }> } }>().verify.checks.find((c) => c.id === 'tool-verify');
    expect(undone).toMatchObject({ status: 'pass', detail: 'sqitch: sqitch verify: 3 deployed changes verified' });
    const backup = await runBuiltCli(['backup', ...args]);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const copy = `${conn.database}_copy`;
    const restore = await runBuiltCli(['restore', '--backup', 'latest', '--target-database', cluster.url(copy), ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const restored = restore.json<{ verify: { checks: Array<{ id: string; status: string; detail: string }> } }>().verify.checks.find((c) => c.id === 'tool-verify');
    expect(restored).toMatchObject({ status: 'pass', detail: 'sqitch: sqitch verify: 3 deployed changes verified' });
  });

  it('never acts while Sqitch holds its advisory lock; the password never reaches sqitch\'s argv', async () => {
    const conn = await shop(3);
    const holder = await connect(conn);
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [SQITCH_LOCK.key.toString()]);
      const adapter = adapterFor(conn);
      expect((await adapter.status()).lockHolder?.pid).toBeGreaterThan(0);
      expect((await rejection(adapter.down({ count: 1 }))).code).toBe('LOCK_HELD');
      expect((await rejection(adapter.up())).code).toBe('LOCK_HELD');
      const db = await connect(conn);
      try {
        expect((await rejection(acquireLock(db, adapter.toolLocks))).message).toContain('Sqitch is running');
      } finally {
        await db.end();
      }
    } finally {
      await holder.end();
    }
    expect(conn.password).toBeTruthy();
    expect(targetUri(conn)).toBe(`db:pg://${conn.user}@${conn.host}:${conn.port}/${conn.database}`);
  });
});

describe('sqitch: detection', () => {
  it('is detected from sqitch.plan, and from the sqitch registry in the database', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: SHOP, configModule: undefined })).toBe('sqitch');
    const conn = await cluster.createDatabase();
    await adapterFor(conn).up(1);
    const empty = await dirWith({ 'notes.txt': 'nothing' });
    const lookup = historyLookupIn(cluster, conn.database);
    expect(await detectMigrator({ migrator: undefined, migrationsDir: empty, configModule: undefined }, { history: lookup })).toBe('sqitch');
  });

  it('a folder with sqitch.plan and plain .up.sql files is refused naming both', async () => {
    const dir = await dirWith({ 'sqitch.plan': '%project=x\n', '001_a.up.sql': 'SELECT 1;' });
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(err.message).toContain('sqitch (');
    expect(err.message).toContain('sql (');
    await rm(dir, { recursive: true, force: true });
  });
});
