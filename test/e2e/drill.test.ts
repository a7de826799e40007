/**
 * `dbrollback drill` as a user runs it (the built CLI, local provider): the
 * report in JSON and JUnit, exit codes 0 / 3 / 1 / 2, and the production
 * database named by DATABASE_URL left alone — not one connection to it.
 */
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connection.js';
import type { ConnInfo } from '../../src/db/conninfo.js';
import { fingerprint } from '../../src/fingerprint/fingerprint.js';
import { schemaSnapshot } from '../../src/db/schema/snapshot.js';
import { interruptBuiltCli, runBuiltCli } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { brokenSqlShop, FIXTURES, productionWithBackup } from '../integration/drill/support.js';

const SQL_SHOP = path.join(FIXTURES, 'sql/shop');
const SEED = path.join(FIXTURES, 'seed.sql');

async function stateOf(conn: ConnInfo) {
  const db = await connect(conn);
  try {
    const { rows } = await db.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1');
    return { databases: rows.map((r) => r.datname), schema: await schemaSnapshot(db), data: await fingerprint(db) };
  } finally {
    await db.end();
  }
}

describe('dbrollback drill (built CLI)', () => {
  let production: Cluster;
  let conn: ConnInfo;
  let work: string;
  let storageDir: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-e2e-'));
    storageDir = path.join(work, 'storage');
    // Every connection to production is logged: the drill must cause none.
    production = await startCluster({ settings: { log_connections: 'on' } });
    ({ conn } = await productionWithBackup(production, storageDir));
  });
  afterAll(async () => {
    await production?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('drills every scenario with DATABASE_URL set, reports JSON and JUnit, exits 0, and never connects to production', async () => {
    const before = await stateOf(conn);
    const log = path.join(production.baseDir, 'server.log');
    const logOffset = (await stat(log)).size;
    const junit = path.join(work, 'drill.xml');

    const run = await runBuiltCli(['drill', 'all', '--provider', 'local', '--migrations', SQL_SHOP, '--seed', SEED, '--storage', storageDir, '--junit', junit, '--json'], {
      env: { DATABASE_URL: production.url(conn.database) },
    });
    const connectionsDuringDrill = (await readFile(log, 'utf8')).slice(logOffset).split('\n').filter((l) => /connection (received|authorized)/.test(l));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(connectionsDuringDrill).toEqual([]);
    expect(await stateOf(conn)).toEqual(before);

    const report = run.json<{ ok: boolean; provider: string; providerStartMs: number; totalMs: number; scenarios: Array<{ name: string; status: string; durationMs: number; detail: string; steps: Array<{ name: string; status: string }> }> }>();
    expect(report).toMatchObject({ ok: true, provider: 'local' });
    expect(report.providerStartMs).toBeGreaterThan(0);
    expect(report.totalMs).toBeGreaterThanOrEqual(report.providerStartMs);
    expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([
      ['migrations', 'pass'],
      ['restore', 'pass'],
      ['pitr', 'skip'],
    ]);
    for (const s of report.scenarios) expect(s.durationMs).toBeGreaterThanOrEqual(0);

    const xml = await readFile(junit, 'utf8');
    const steps = report.scenarios.reduce((n, s) => n + s.steps.length, 0);
    expect(xml.match(/<testcase /g)).toHaveLength(steps);
    expect(xml).toMatch(/<testsuites name="dbrollback drill" tests="\d+" failures="0" errors="0"/);
    expect(xml).toContain('<testcase classname="drill.migrations" name="down 002_add-customer-phone"');
    expect(xml).toContain('<testcase classname="drill.restore" name="verify against the manifest"');
    // The password of the throwaway server and of production appear nowhere.
    expect(run.stdout + run.stderr + xml).not.toContain(production.password);
  });

  it('SIGTERM mid-drill: exit 143, the throwaway cluster stopped and removed, nothing left running', async () => {
    // The drill's own temporary directory: whatever it leaves behind shows up here.
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-tmp-'));
    // The cluster runs as the postgres OS user when we are root: it must reach its directory.
    await chmod(tmp, 0o755);
    try {
      const run = await interruptBuiltCli(['drill', 'migrations', '--provider', 'local', '--migrations', SQL_SHOP, '--json'], 'drill:before-step', 'SIGTERM', { env: { TMPDIR: tmp } });
      expect(run.paused, run.stderr).toBe(true);
      expect(run.exitCode, run.stderr).toBe(143);
      const doc = run.json<{ ok: boolean; error: { code: string; message: string } }>();
      expect(doc.ok).toBe(false);
      expect(doc.error.code).toBe('TERMINATED');
      expect(doc.error.message).toMatch(/stopped by SIGTERM before step "[^"]+" \(no step had completed\); every throwaway server it started was stopped and removed/);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('a down that forgets the column its up added fails the drill (exit 3), naming the migration and the column', async () => {
    const broken = await brokenSqlShop({ '002_add-customer-phone.down.sql': '-- forgot: ALTER TABLE customers DROP COLUMN phone;\nSELECT count(*) FROM customers;\n' });
    try {
      const junit = path.join(work, 'broken.xml');
      const run = await runBuiltCli(['drill', 'migrations', '--provider', 'local', '--migrations', broken.dir, '--junit', junit]);
      expect(run.exitCode, run.stderr).toBe(3);
      expect(run.stdout).toMatch(/FAIL migrations/);
      expect(run.stdout).toMatch(/FAIL down 002_add-customer-phone .*the schema differs from before 002_add-customer-phone: column public\.customers\.phone added \(text\)/);
      // The walk stops there: the rest is listed as not run.
      expect(run.stdout).toMatch(/- {4}down 001_create-tables/);
      const xml = await readFile(junit, 'utf8');
      expect(xml).toMatch(/<testcase classname="drill.migrations" name="down 002_add-customer-phone" time="[\d.]+"><failure message="[^"]*column public.customers.phone added/);
      expect(xml).toMatch(/failures="1"/);
    } finally {
      await broken.cleanup();
    }
  });

  it('a down that changes a table its migration never touched fails the drill, naming the table', async () => {
    const broken = await brokenSqlShop({ '004_rename-order-note.down.sql': 'ALTER TABLE orders RENAME COLUMN customer_note TO note;\nDELETE FROM order_items WHERE quantity > 1;\n' });
    try {
      const run = await runBuiltCli(['drill', 'migrations', '--provider', 'local', '--migrations', broken.dir, '--seed', SEED, '--json']);
      expect(run.exitCode, run.stderr).toBe(3);
      const report = run.json<{ ok: boolean; scenarios: Array<{ status: string; steps: Array<{ name: string; status: string; detail: string }> }> }>();
      expect(report.ok).toBe(false);
      const step = report.scenarios[0]!.steps.find((s) => s.name === 'down 004_rename-order-note')!;
      expect(step.status).toBe('fail');
      expect(step.detail).toBe('tables 004_rename-order-note did not touch changed: public.order_items (6 → 3 rows)');
    } finally {
      await broken.cleanup();
    }
  });

  it('refuses bad input before starting anything (exit 2), and says when a scenario cannot run (exit 1)', async () => {
    const unknown = await runBuiltCli(['drill', 'sideways', '--provider', 'local']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown drill scenario "sideways"/);
    expect(unknown.stderr).toMatch(/dbrollback drill migrations\|restore\|pitr\|all/);

    const provider = await runBuiltCli(['drill', 'migrations', '--provider', 'docker', '--migrations', SQL_SHOP]);
    expect(provider.exitCode).toBe(2);
    expect(provider.stderr).toMatch(/--provider auto\|testcontainers\|local/);

    const noStorage = await runBuiltCli(['drill', 'restore', '--provider', 'local', '--json']);
    expect(noStorage.exitCode).toBe(2);
    expect(noStorage.json()).toMatchObject({ ok: false, error: { code: 'USAGE', message: 'drill restore: no storage is configured to restore a backup from', hint: expect.stringMatching(/--storage URL/) } });

    const nothing = await runBuiltCli(['drill', 'all', '--provider', 'local'], { cwd: work });
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to drill: migrations: no migrations are configured .*; restore: no storage is configured/);

    const noSeed = await runBuiltCli(['drill', 'migrations', '--provider', 'local', '--migrations', SQL_SHOP, '--seed', path.join(work, 'missing.sql')]);
    expect(noSeed.exitCode).toBe(2);
    expect(noSeed.stderr).toMatch(/cannot read the seed file/);

    const pitr = await runBuiltCli(['drill', 'pitr', '--provider', 'local', '--storage', storageDir]);
    expect(pitr.exitCode).toBe(1);
    expect(pitr.stdout).toMatch(/ERR {2}pitr .*the storage holds no complete base backup/);
  });
});
