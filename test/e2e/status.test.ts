import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, PROJECT_ROOT } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';

const SQL_SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');
const NPM_SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'node-pg-migrate', 'shop');

describe('dbrollback status (built CLI)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  it('lists applied and pending migrations with applied-at and down kinds, as text and as one JSON document', async () => {
    const db = await cluster.createDatabase();
    const url = cluster.url(db.database);
    const up = await runBuiltCli(['status', '--migrations', SQL_SHOP, '--database-url', url]);
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toMatch(/0 applied, 7 pending/);

    // Apply three through the adapter's own tool path (the same code `migrate` will use).
    const { openAdapter, resolveConfig } = await import('../../src/index.js');
    const adapter = await openAdapter(await resolveConfig({ databaseUrl: url, migrations: SQL_SHOP }, { env: {} }));
    await adapter.up(3);

    const text = await runBuiltCli(['status', '--migrations', SQL_SHOP, '--database-url', url]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/3 applied, 4 pending; head 003_index-orders-customer/);
    expect(text.stdout).toMatch(/applied\s+001_create-tables\s+\d{4}-\d\d-\d\dT/);
    expect(text.stdout).toMatch(/pending\s+007_collapse-order-statuses\s+NO \(irreversible\)/);

    const json = await runBuiltCli(['status', '--json', '--migrations', SQL_SHOP, '--database-url', url]);
    expect(json.exitCode).toBe(0);
    const doc = json.json<{ migrator: string; head: string; migrations: Array<{ name: string; applied: boolean; appliedAt: string | null; down: string; hasDown: boolean }> }>();
    expect(doc.migrator).toBe('sql');
    expect(doc.head).toBe('003_index-orders-customer');
    expect(doc.migrations).toHaveLength(7);
    expect(doc.migrations[0]).toMatchObject({ name: '001_create-tables', applied: true, down: 'yes', hasDown: true });
    expect(new Date(doc.migrations[0]!.appliedAt!).getTime()).toBeGreaterThan(Date.now() - 600_000);
    expect(doc.migrations[6]).toMatchObject({ applied: false, appliedAt: null, down: 'irreversible', hasDown: false });
  });

  it('names the holder when a migration is running (the tool lock is held)', async () => {
    const db = await cluster.createDatabase();
    const holder = new pg.Client({ ...cluster.conn(db.database), application_name: 'deploy-pipeline' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7241865325823964)');
      const run = await runBuiltCli(['status', '--json', '--migrations', NPM_SHOP, '--database-url', cluster.url(db.database)]);
      expect(run.exitCode).toBe(0);
      const doc = run.json<{ lock: { pid: number; applicationName: string } | null }>();
      expect(doc.lock?.applicationName).toBe('deploy-pipeline');
      const text = await runBuiltCli(['status', '--migrations', NPM_SHOP, '--database-url', cluster.url(db.database)]);
      expect(text.exitCode, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/migration running: the node-pg-migrate lock is held by pid \d+/);
    } finally {
      await holder.end();
    }
  });

  it('status reads only: it creates no history table', async () => {
    const db = await cluster.createDatabase();
    // Both runs must have read the (absent) history, or "no table" would prove nothing.
    for (const migrations of [NPM_SHOP, SQL_SHOP]) {
      const run = await runBuiltCli(['status', '--json', '--migrations', migrations, '--database-url', cluster.url(db.database)]);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.json<{ head: string | null; migrations: Array<{ applied: boolean }> }>()).toMatchObject({ head: null });
      expect(run.json<{ migrations: Array<{ applied: boolean }> }>().migrations.every((m) => !m.applied)).toBe(true);
    }
    const tables = await cluster.sql(db.database, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace");
    expect(tables).toEqual([]);
  });

  it('an unreachable database exits 1 naming the address, never the password', async () => {
    const run = await runBuiltCli(['status', '--migrations', SQL_SHOP, '--database-url', 'postgres://app:hunter2-secret@127.0.0.1:1/shop']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('could not connect to 127.0.0.1:1');
    expect(run.stderr + run.stdout).not.toContain('hunter2-secret');
    const json = await runBuiltCli(['status', '--json', '--migrations', SQL_SHOP, '--database-url', 'postgres://app:hunter2-secret@127.0.0.1:1/shop']);
    expect(json.exitCode).toBe(1);
    expect(json.json()).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED' } });
    expect(json.stdout + json.stderr).not.toContain('hunter2-secret');
  });

  it('a password given in DATABASE_URL never appears in any output, even with --verbose', async () => {
    const db = await cluster.createDatabase();
    const run = await runBuiltCli(['status', '--verbose', '--json', '--migrations', SQL_SHOP], { env: { DATABASE_URL: cluster.url(db.database) } });
    expect(run.exitCode).toBe(0);
    const wrongDb = await runBuiltCli(['status', '--verbose', '--migrations', SQL_SHOP], { env: { DATABASE_URL: cluster.url('no_such_database') } });
    expect(wrongDb.exitCode).toBe(1);
    expect(wrongDb.stderr).toContain('no_such_database');
    for (const out of [run.stdout, run.stderr, wrongDb.stdout, wrongDb.stderr]) expect(out).not.toContain(cluster.password);
  });
});

describe('bad usage and bad input (built CLI): clear message, contract exit code, nothing touched', () => {
  it('an unknown flag exits 2; with --json the error is the one JSON document', async () => {
    const run = await runBuiltCli(['status', '--bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("unknown option '--bogus'");
    const json = await runBuiltCli(['status', '--bogus', '--json']);
    expect(json.exitCode).toBe(2);
    expect(json.json()).toEqual({ ok: false, error: { code: 'USAGE', message: "unknown option '--bogus'", hint: expect.any(String) } });
  });

  it('an unknown command and an unknown --migrator exit 2', async () => {
    expect((await runBuiltCli(['frobnicate'])).exitCode).toBe(2);
    const run = await runBuiltCli(['status', '--migrator', 'no-such-tool']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('no-such-tool');
  });

  it('a malformed config file reports all of its problems at once (exit 2)', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-e2e-'));
    await writeFile(path.join(cwd, 'dbrollback.config.json'), JSON.stringify({ databaseURL: 'x', migrator: 'activerecord', storage: '' }));
    const run = await runBuiltCli(['status', '--json'], { cwd });
    expect(run.exitCode).toBe(2);
    const doc = run.json<{ ok: boolean; error: { code: string; message: string } }>();
    expect(doc.error.code).toBe('CONFIG_INVALID');
    expect(doc.error.message).toContain('unknown setting "databaseURL"');
    expect(doc.error.message).toContain('"migrator" must be one of');
    expect(doc.error.message).toContain('"storage" must be a non-empty string');
  });

  it('a migrations directory that does not exist exits 2', async () => {
    const run = await runBuiltCli(['status', '--migrations', '/nonexistent/migrations', '--database-url', 'postgres://u@127.0.0.1:1/x']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/migrations: directory \/nonexistent\/migrations does not exist/);
  });
});
