import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapter, resolveConfig } from '../../src/index.js';
import { runBuiltCli, PROJECT_ROOT } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';

const SQL_SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');

describe('plan and undo through the built CLI', () => {
  let cluster: Cluster;
  /** The read-only tests' project: 4 applied, never changed (each of them checks that). */
  let shared: Project;

  interface Project {
    url: string;
    database: string;
    storage: string;
    args: string[];
  }

  /** A database of its own with the shop's first `applied` migrations (seeded after the second), and a storage of its own. */
  async function project(applied: number): Promise<Project> {
    const db = await cluster.createDatabase();
    const url = cluster.url(db.database);
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-e2e-storage-'));
    const adapter = await openAdapter(await resolveConfig({ databaseUrl: url, migrations: SQL_SHOP }, { env: {} }));
    try {
      await adapter.up(2);
      await cluster.sql(db.database, await readFile(path.join(PROJECT_ROOT, 'migrations-fixtures', 'seed.sql'), 'utf8'));
      if (applied > 2) await adapter.up(applied - 2);
    } finally {
      await adapter.close();
    }
    return { url, database: db.database, storage, args: ['--database-url', url, '--migrations', SQL_SHOP, '--storage', storage] };
  }

  beforeAll(async () => {
    cluster = await startCluster();
    shared = await project(4);
  });
  afterAll(async () => cluster?.stop());

  const head = async (p: Project = shared) => (await cluster.sql<{ name: string }>(p.database, 'SELECT name FROM dbrollback_migrations ORDER BY name DESC LIMIT 1'))[0]!.name;
  const args = () => shared.args;
  const storage = () => shared.storage;

  it.each([
    [['--count', '0'], /--count must be a whole number of at least 1 \(got "0"\)/],
    [['--count', '-1'], /--count/],
    [['--count', 'abc'], /--count must be a whole number of at least 1 \(got "abc"\)/],
    [['--count', '1', '--to', '001_create-tables'], /either --count N or --to NAME, not both/],
    [['--count', '9'], /--count 9 is more than the 4 applied migrations/],
    [['--to', '999_no-such-migration'], /no applied migration has that name/],
    [[], /undo needs --count N or --to NAME/],
  ])('undo %j is a usage error (exit 2) and changes nothing', async (flags, message) => {
    const before = await head();
    const run = await runBuiltCli(['undo', ...flags, '--yes', ...args()]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(await head()).toBe(before);
  });

  it('undo without a terminal and without --yes exits 2 and changes nothing', async () => {
    const before = await head();
    const run = await runBuiltCli(['undo', '--count', '1', '--json', ...args()]);
    expect(run.exitCode).toBe(2);
    const doc = run.json<{ ok: boolean; error: { code: string } }>();
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('CONFIRMATION_REQUIRED');
    expect(await head()).toBe(before);
    expect((await readdir(storage())).includes('backups')).toBe(false);
  });

  it('plan --json prints the contract shape; plan changes nothing', async () => {
    const run = await runBuiltCli(['plan', '--count', '1', '--json', ...args()]);
    expect(run.exitCode).toBe(0);
    const doc = run.json<{ type: string; migrations: Array<{ name: string; compatibility: string; dataLoss: string; reversible: boolean; atRisk: { rows: number; bytes: number; objects: unknown[] } }>; steps: Array<{ action: string; detail: string }> }>();
    expect(doc.type).toBe('undo');
    expect(doc.migrations[0]).toMatchObject({ name: '004_rename-order-note', compatibility: 'breaking', dataLoss: 'none', reversible: true, atRisk: { rows: 0, bytes: 0, objects: [] } });
    expect(doc.steps.map((s) => s.action)).toEqual(['pause-traffic', 'backup', 'down', 'verify', 'resume-traffic']);
  });

  it('undo --dry-run prints the exact down SQL and touches nothing', async () => {
    const run = await runBuiltCli(['undo', '--count', '1', '--dry-run', ...args()]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('DRY RUN — nothing was changed.');
    expect(run.stdout).toContain('ALTER TABLE orders RENAME COLUMN customer_note TO note;');
    expect(await head()).toBe('004_rename-order-note');
  });

  it('undo --yes --json: one JSON document with ok, plan, backupId, undone, verify; then history lists the run', async () => {
    const own = await project(4);
    const run = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...own.args]);
    expect(run.exitCode).toBe(0);
    const doc = run.json<{ ok: boolean; plan: { type: string }; backupId: string; undone: string[]; verify: { ok: boolean } }>();
    expect(doc).toMatchObject({ ok: true, plan: { type: 'undo' }, undone: ['004_rename-order-note'], verify: { ok: true } });
    expect(doc.backupId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(run.stderr).toMatch(/backup/);
    expect(run.stdout + run.stderr).not.toContain(cluster.password);
    expect(await head(own)).toBe('003_index-orders-customer');

    const history = await runBuiltCli(['history', '--json', '--storage', own.storage]);
    expect(history.exitCode).toBe(0);
    const runs = history.json<{ runs: Array<{ command: string; outcome: string; backupId: string; commandLine: string[] }> }>().runs;
    const last = runs.find((r) => r.outcome === 'success')!;
    expect(last).toMatchObject({ command: 'undo', backupId: doc.backupId });
    expect(last.commandLine.join(' ')).toContain('undo --count 1');
    expect(last.commandLine.join(' ')).not.toContain(cluster.password);
  });

  it('undo refused for data loss exits 4', async () => {
    const own = await project(3);
    const run = await runBuiltCli(['undo', '--count', '2', '--yes', ...own.args]); // 003 index, 002 phone column with data
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/refusing to undo: the down migrations would destroy live data — 002_add-customer-phone: drop-column public\.customers\.phone/);
    expect(await head(own)).toBe('003_index-orders-customer');
  });
});
