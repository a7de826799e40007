import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/connection.js';
import { fingerprint } from '../../../src/fingerprint/fingerprint.js';
import { startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';
import { cli } from '../../harness/run-cli.js';


describe('dbrollback verify (CLI)', () => {
  let cluster: Cluster;
  let template: string;
  let dir: string;

  beforeAll(async () => {
    cluster = await startCluster();
    template = uniqueName('cli_tpl');
    await cluster.createDatabase(template);
    await cluster.sql(template, `
      CREATE TABLE accounts (id serial PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL);
      CREATE TABLE audit (id bigserial PRIMARY KEY, account_id int REFERENCES accounts, note text);
      INSERT INTO accounts (owner, balance) SELECT 'owner ' || i, i * 10 FROM generate_series(1, 100) i;
      INSERT INTO audit (account_id, note) SELECT 1 + i % 100, 'n' || i FROM generate_series(1, 300) i;`);
    dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-verify-cli-'));
    const db = await connect(cluster.conn(template));
    try {
      await writeFile(path.join(dir, 'baseline.json'), JSON.stringify({ tables: await fingerprint(db) }));
    } finally {
      await db.end();
    }
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function copy(setup?: string): Promise<string> {
    const name = uniqueName('cli');
    await cluster.createDatabase(name, { template });
    if (setup) await cluster.sql(name, setup);
    return cluster.url(name);
  }

  it('exits 0 with one line per check when the database matches its baseline', async () => {
    const url = await copy();
    const run = await cli(['verify', '--database-url', url, '--baseline-file', 'baseline.json'], dir);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => /^(pass|skip|FAIL) /.test(l))).toHaveLength(12);
    expect(run.stdout).toMatch(/^pass {2}fingerprints {7}2 tables match the fingerprints of file /m);
    expect(lines.at(-1)).toMatch(/^verify: ok — traffic may return \(12 checks on postgres@127\.0\.0\.1:\d+\/cli_/);
    expect(run.stdout).not.toContain(cluster.password);
  });

  it('exits 3 (VERIFY_FAILED) listing failing checks first with their findings', async () => {
    const url = await copy("DELETE FROM audit WHERE id = 5; SELECT setval('accounts_id_seq', 3)");
    const run = await cli(['verify', '--database-url', url, '--baseline-file', 'baseline.json'], dir);
    expect(run.code).toBe(3);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FAIL {2}row-counts {9}1 table differs/);
    expect(lines[1]).toContain('- public.audit: 300 rows in the baseline, 299 now (-1)');
    expect(run.stdout).toMatch(/^FAIL {2}sequences {10}1 sequence of 2 behind their column$/m);
    expect(run.stdout.indexOf('FAIL  sequences')).toBeLessThan(run.stdout.indexOf('pass  connectivity'));
    expect(lines.at(-1)).toBe('verify: FAILED — do not return traffic (3 of 12 checks failed: row-counts, fingerprints, sequences)');
  });

  it('prints exactly the contract JSON with --json: {ok, checks: [{id, status, detail}]}', async () => {
    const good = await cli(['verify', '--json', '--database-url', await copy(), '--baseline-file', 'baseline.json', '--checks', 'connectivity,row-counts,fingerprints'], dir);
    expect(good.code).toBe(0);
    const doc = JSON.parse(good.stdout) as { ok: boolean; checks: Array<{ id: string; status: string; detail: string }> };
    expect(doc.ok).toBe(true);
    expect(doc.checks.map((c) => [c.id, c.status])).toEqual([
      ['connectivity', 'pass'],
      ['row-counts', 'pass'],
      ['fingerprints', 'pass'],
    ]);
    for (const c of doc.checks) expect(typeof c.detail).toBe('string');

    const bad = await cli(['verify', '--json', '--database-url', await copy("UPDATE accounts SET balance = 0 WHERE id = 9"), '--baseline-file', 'baseline.json', '--skip-checks', 'custom,amcheck'], dir);
    expect(bad.code).toBe(3);
    const failed = JSON.parse(bad.stdout) as { ok: boolean; checks: Array<{ id: string; status: string; problems?: string[] }>; error: { code: string } };
    expect(failed.ok).toBe(false);
    expect(failed.error.code).toBe('VERIFY_FAILED');
    expect(failed.checks.map((c) => c.id)).toEqual(['connectivity', 'schema-head', 'schema-round-trip', 'tool-verify', 'row-counts', 'fingerprints', 'enum-values', 'constraints', 'indexes', 'sequences']);
    expect(failed.checks.find((c) => c.id === 'fingerprints')).toMatchObject({ status: 'fail', problems: ['public.accounts: content differs (same 100 rows: values changed)'] });
  });

  it('exits 3 when rows hold an enum value deleted from pg_enum, naming the table, and 0 on the healthy copy', async () => {
    const enums = `CREATE TYPE tier AS ENUM ('basic', 'gold', 'legacy');
      ALTER TABLE accounts ADD COLUMN tier tier NOT NULL DEFAULT 'basic';
      UPDATE accounts SET tier = 'legacy' WHERE id <= 3;`;
    const healthy = await cli(['verify', '--json', '--database-url', await copy(enums), '--checks', 'connectivity,enum-values'], dir);
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toMatchObject({ ok: true, checks: [{ id: 'connectivity' }, { id: 'enum-values', status: 'pass' }] });

    const url = await copy(`${enums} DELETE FROM pg_enum WHERE enumtypid = 'tier'::regtype AND enumlabel = 'legacy';`);
    const json = await cli(['verify', '--json', '--database-url', url], dir);
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout) as { ok: boolean; checks: Array<{ id: string; status: string; detail: string }>; error: { code: string } };
    expect(doc).toMatchObject({ ok: false, error: { code: 'VERIFY_FAILED' } });
    expect(doc.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['enum-values']);
    expect(doc.checks.find((c) => c.id === 'enum-values')!.detail).toBe('1 table holds enum values no longer in pg_enum (their rows cannot be read): public.accounts.tier (3 rows)');
    const human = await cli(['verify', '--database-url', url], dir);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain('public.accounts.tier (tier, enum public.tier): 3 rows hold a value no longer in pg_enum');
    expect(human.stdout).toContain('restore --before-migration NAME --tables public.accounts --into-database URL --replace');
  });

  it('exits 1 with an error document when the database cannot be reached', async () => {
    const run = await cli(['verify', '--json', '--database-url', 'postgres://postgres@127.0.0.1:1/nowhere'], dir);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED' } });
  });

  it('exits 1 (TIMEOUT) when the gate does not finish within --timeout', async () => {
    const checks = path.join(dir, 'slow-checks');
    await mkdir(checks, { recursive: true });
    await writeFile(path.join(checks, 'slow.sql'), 'SELECT count(*) = -1 FROM pg_sleep(20)');
    const run = await cli(['verify', '--database-url', await copy(), '--checks-dir', checks, '--timeout', '1'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('verify did not finish within --timeout 1 s (still running: custom)');
  });

  it('exits 2 for bad usage: unknown check, bad --jobs, two baselines, unreadable baseline file', async () => {
    const url = await copy();
    const unknown = await cli(['verify', '--database-url', url, '--checks', 'nope'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown check: nope');
    expect((await cli(['verify', '--database-url', url, '--jobs', '0'], dir)).code).toBe(2);
    expect((await cli(['verify', '--database-url', url, '--baseline', 'latest', '--baseline-file', 'baseline.json'], dir)).code).toBe(2);
    const missing = await cli(['verify', '--database-url', url, '--baseline-file', 'nope.json'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the baseline file');
  });
});
