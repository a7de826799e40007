/**
 * A CommonJS umzug project with Sequelize's queryInterface as its context
 * and SequelizeStorage (migrations-fixtures/umzug/sequelize), applied by the
 * project's own script, then driven through the built CLI as a user would:
 * status, classify --json, plan, undo, migrate and drill.
 */
import { execa } from 'execa';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';

const FIXTURE = path.join(PROJECT_ROOT, 'migrations-fixtures/umzug/sequelize');

const M = {
  accounts: '20240103091500-create-accounts.js',
  webhooks: '20240104120000-create-webhook-subscriptions.js',
  timezone: '20240110083000-add-accounts-timezone.js',
  backfill: '20240110084500-backfill-accounts-timezone.js',
  widenUrl: '20240115100000-widen-webhook-target-url.js',
  displayName: '20240115101500-relax-accounts-display-name.js',
  invoices: '20240201090000-create-invoices.js',
  enumVoid: '20240202110000-add-invoice-status-void.js',
  widenAmount: '20240210150000-widen-invoice-amount.js',
  indexPlan: '20240301093000-index-accounts-plan.js',
  merge: '20240305120000-merge-duplicate-accounts.js',
  lastSeen: '20240312080000-add-accounts-last-seen.js',
};

/** The project's own way of applying its migrations: a CommonJS script (require.main set), as `node migrate.js` would. */
const APPLY = `const { Sequelize } = require('sequelize');
const { makeUmzug } = require('./db/umzug.js');
(async () => {
  const sequelize = new Sequelize(process.env.DATABASE_URL, { logging: false });
  await makeUmzug(sequelize).up(process.argv[2] ? { to: process.argv[2] } : undefined);
  await sequelize.close();
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('a CommonJS umzug/Sequelize project through the built CLI', () => {
  let cluster: Cluster;
  let database: string;
  let url: string;
  let project: string;
  let storage: string;
  let cacheDir: string;

  beforeAll(async () => {
    cluster = await startCluster();
    ({ database } = await cluster.createDatabase());
    url = cluster.url(database);
    const root = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-sequelize-'));
    project = path.join(root, 'project');
    storage = path.join(root, 'storage');
    cacheDir = path.join(root, 'cache');
    await cp(FIXTURE, project, { recursive: true });
    // The project's dependencies (sequelize, umzug), as an installed project has them.
    await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(project, 'node_modules'));
    await writeFile(path.join(project, 'apply.js'), APPLY);
    await execa(process.execPath, ['apply.js', M.merge], { cwd: project, env: { DATABASE_URL: url } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (project) await rm(path.dirname(project), { recursive: true, force: true });
  });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    runBuiltCli([...args, '--database-url', url, '--storage', storage], { cwd: project, env: { DBROLLBACK_CACHE_DIR: cacheDir, ...env } });

  it('status sees every CommonJS down, and names the throwing and empty ones irreversible and empty', async () => {
    const started = performance.now();
    const status = await cli(['status', '--json']);
    const took = performance.now() - started;
    expect(status.exitCode, status.stderr).toBe(0);
    const downs = Object.fromEntries(status.json<{ migrations: Array<{ name: string; down: string; appliedAt: string | null }> }>().migrations.map((m) => [m.name, m.down]));
    expect(downs).toEqual({
      [M.accounts]: 'yes',
      [M.webhooks]: 'yes',
      [M.timezone]: 'yes',
      [M.backfill]: 'empty',
      [M.widenUrl]: 'yes',
      [M.displayName]: 'yes',
      [M.invoices]: 'yes',
      [M.enumVoid]: 'irreversible',
      [M.widenAmount]: 'yes',
      [M.indexPlan]: 'empty',
      [M.merge]: 'irreversible',
      [M.lastSeen]: 'yes',
    });
    // Sequelize's idle pool (10 s) closed by the config's closeUmzug.
    expect(took).toBeLessThan(8_000);
    const text = await cli(['status']);
    expect(text.stdout).toMatch(/20240202110000-add-invoice-status-void\.js\s+NO \(irreversible: its down throws/);
    expect(text.stdout).toMatch(/20240301093000-index-accounts-plan\.js\s+NO \(empty\)/);
    expect(text.stdout).toContain('SequelizeMeta keeps no applied-at times');
  });

  it('without closeUmzug, the command still ends once its work is done (no wait on idle pools)', async () => {
    const config = path.join(project, 'no-close.config.mjs');
    const text = await readFile(path.join(project, 'dbrollback.config.mjs'), 'utf8');
    await writeFile(config, text.replace('export async function closeUmzug', 'async function closeUmzug'));
    const started = performance.now();
    const status = await cli(['status', '--json', '--config', config]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(performance.now() - started).toBeLessThan(8_000);
  });

  it('classify --json is one document while a migration logs; its output goes to stderr', async () => {
    const run = await cli(['classify', 'migrations', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = run.json<{ files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; rewritesTable: boolean; down: { kind: string } | null; statements: Array<{ findings: Array<{ rule: string }> }> }> }>();
    expect(run.stderr).toContain('Backfilling accounts.timezone');
    const byName = new Map(report.files.map((f) => [path.basename(f.path), f]));
    expect([...byName.keys()]).toEqual(Object.values(M));
    // changeColumn's DROP DEFAULT / SET NOT NULL beside a widening: the catalog shows no default, nullability or storage changed.
    const url = byName.get(M.widenUrl)!;
    expect(url).toMatchObject({ compatibility: 'additive', dataLoss: 'none', rewritesTable: false });
    expect(url.statements.flatMap((s) => s.findings.map((f) => f.rule))).not.toContain('drop-default');
    expect(byName.get(M.displayName)).toMatchObject({ compatibility: 'additive', dataLoss: 'none', rewritesTable: false });
    // int → bigint with a plain USING: no data lost (PostgreSQL does rewrite the table).
    expect(byName.get(M.widenAmount)).toMatchObject({ dataLoss: 'none', reversible: true, rewritesTable: true });
    expect(byName.get(M.enumVoid)!.down?.kind).toBe('irreversible');
    expect(byName.get(M.backfill)!.down?.kind).toBe('empty');
    expect(byName.get(M.indexPlan)!.down?.kind).toBe('empty');
  });

  it('plan names the throwing down irreversible, and a second plan replays nothing (capture cache)', async () => {
    const first = await cli(['plan', '--count', '3', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const plan = first.json<{ type: string; reasons: string[]; migrations: Array<{ name: string; down: string }>; capture: { replayed: number; cached: number } }>();
    expect(plan.type).toBe('restore');
    expect(plan.migrations.map((m) => [m.name, m.down])).toEqual([[M.merge, 'irreversible'], [M.indexPlan, 'empty'], [M.widenAmount, 'yes']]);
    expect(plan.reasons.join('\n')).toMatch(/merge-duplicate-accounts\.js is irreversible: its down throws/);
    expect(plan.reasons.join('\n')).not.toMatch(/has no down migration/);
    expect(first.stdout).not.toContain('Backfilling');
    expect(plan.capture.replayed).toBeGreaterThan(0);

    const again = await cli(['plan', '--count', '3', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json<{ capture: { replayed: number; cached: number } }>().capture).toMatchObject({ replayed: 0 });
    expect(again.stderr).not.toContain('Backfilling');
  });

  it('a changed migration file is captured again, never served from the cache', async () => {
    const file = path.join(project, 'migrations', M.merge);
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('cannot un-merge accounts: restore from a backup', 'un-merging is impossible: restore'));
    try {
      const run = await cli(['plan', '--count', '1', '--json']);
      expect(run.exitCode, run.stderr).toBe(0);
      const plan = run.json<{ capture: { replayed: number }; migrations: Array<{ name: string; downNote: string; downSql: { note: string | null } }> }>();
      expect(plan.capture.replayed).toBeGreaterThan(0);
      // What the down said when it ran in the scratch database: the new text, not a cached one.
      expect(plan.migrations[0]!.downSql.note).toContain('un-merging is impossible: restore');
      expect(plan.migrations[0]!.downNote).toContain('un-merging is impossible: restore');
    } finally {
      await writeFile(file, original);
    }
  });

  it('migrate applies the pending migration, and undo takes it back', async () => {
    const migrate = await cli(['migrate', '--backup', 'never', '--json']);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(migrate.json<{ applied: string[] }>().applied).toEqual([M.lastSeen]);
    const undo = await cli(['undo', '--count', '1', '--yes', '--no-backup', '--json']);
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(undo.json()).toMatchObject({ ok: true, undone: [M.lastSeen] });
    const cols = await cluster.sql<{ column_name: string }>(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'last_seen_at'");
    expect(cols).toEqual([]);
  });

  it('undo refuses a migration whose down throws, before touching anything', async () => {
    const undo = await cli(['undo', '--count', '1', '--yes', '--no-backup', '--json']);
    expect(undo.exitCode).toBe(4);
    expect(undo.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'IRREVERSIBLE' });
    expect(undo.json<{ error: { message: string } }>().error.message).toMatch(/merge-duplicate-accounts\.js is irreversible: its down throws \("cannot un-merge accounts/);
  });

  it('drill walks past the throwing and empty downs ("the way back is restore") and rehearses the rest', async () => {
    const run = await cli(['drill', 'migrations', '--provider', 'local', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('Backfilling');
    const report = run.json<{ scenarios: Array<{ steps: Array<{ name: string; status: string; detail: string }> }> }>();
    const steps = new Map(report.scenarios[0]!.steps.map((s) => [s.name, s]));
    for (const name of [M.merge, M.enumVoid, M.indexPlan, M.backfill]) {
      expect(steps.get(`down ${name}`)).toMatchObject({ status: 'skip' });
      expect(steps.get(`down ${name}`)!.detail).toMatch(/the way back is restore/);
    }
    expect(steps.get(`down ${M.widenUrl}`)).toMatchObject({ status: 'pass' });
    expect(steps.get(`down ${M.accounts}`)).toMatchObject({ status: 'pass' });
  }, 180_000);
});
