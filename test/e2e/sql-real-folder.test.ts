/**
 * A golang-migrate-style folder (migrations-fixtures/sql/unpadded): unpadded
 * versions (1_, 2_, 10_, 100_), a down file with a typo, widenings, an enum
 * ADD VALUE, an UPDATE that matches no seeded row, an index on a temporary
 * table, a comment-only down — through the built CLI: classify carries on
 * and orders as the tool does; drill keeps going, pins its port, and walks
 * past what only a restore can undo.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli, suggested } from '../harness/cli.js';
import { freePort } from '../harness/cluster.js';
import { dirWith, removeTempDirs } from '../harness/fixtures.js';

const FIXTURE = path.join(PROJECT_ROOT, 'migrations-fixtures/sql/unpadded');
const MIGRATIONS = path.join(FIXTURE, 'migrations');
const SEED = path.join(FIXTURE, 'seed.sql');

interface FileJson {
  path: string;
  compatibility: string;
  dataLoss: string;
  reversible: boolean | null;
  rewritesTable: boolean;
  down: { kind: string } | null;
  statements: Array<{ line: number; findings: Array<{ rule: string }> }>;
}

interface StepJson {
  name: string;
  status: string;
  detail: string;
}

describe('a golang-migrate-style SQL folder through the built CLI', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await dirWith({}, 'dbrollback-sql-folder-');
  });
  afterAll(removeTempDirs);

  it('classify reports the broken down file with the parser\'s message and line, classifies the rest in the tool\'s order, exits 2', async () => {
    const run = await runBuiltCli(['classify', MIGRATIONS, '--json'], { cwd });
    expect(run.exitCode, run.stderr).toBe(2);
    const report = run.json<{ ok: boolean; files: FileJson[]; errors: Array<{ path: string; line: number; parserMessage: string }>; error: { code: string } }>();
    expect(report.ok).toBe(false);
    expect(report.error.code).toBe('SQL_SYNTAX');
    expect(report.errors).toEqual([expect.objectContaining({ path: path.join(MIGRATIONS, '100_add_subscription_note.down.sql'), line: 3, parserMessage: 'syntax error at or near "TABEL"' })]);
    const names = report.files.map((f) => path.basename(f.path).replace('.up.sql', ''));
    expect(names).toEqual(['1_create_accounts', '2_create_subscriptions', '10_widen_account_email', '11_bigint_amounts', '12_widen_price', '13_add_enterprise_plan', '14_normalize_trialing', '20_dedupe_scratch', '101_rename_status']);
    const file = (name: string) => report.files.find((f) => path.basename(f.path) === `${name}.up.sql`)!;
    const rules = (f: FileJson) => f.statements.flatMap((s) => s.findings.map((x) => x.rule));
    // varchar(100) → varchar(255): known from 1_, no data loss and no rewrite.
    expect(file('10_widen_account_email')).toMatchObject({ compatibility: 'additive', dataLoss: 'none', reversible: true, rewritesTable: false });
    // int → bigint with a plain USING: lossless, but PostgreSQL rewrites the table.
    expect(file('11_bigint_amounts')).toMatchObject({ compatibility: 'additive', dataLoss: 'none', reversible: true, rewritesTable: true });
    expect(rules(file('11_bigint_amounts'))).not.toContain('lossy-type-change');
    // numeric(10,2) → numeric(14,2): no rewrite.
    expect(file('12_widen_price')).toMatchObject({ dataLoss: 'none', rewritesTable: false });
    expect(file('13_add_enterprise_plan').reversible).toBe(false);
    // The index on the temporary table is not a CONCURRENTLY finding; the one on accounts is.
    const scratch = file('20_dedupe_scratch');
    expect(scratch.statements.map((s) => s.findings.map((x) => x.rule))).toEqual([[], [], ['require-concurrent-index-creation']]);
    expect(scratch.down?.kind).toBe('empty');
  });

  it('classify in text names the file it could not classify and still prints the others', async () => {
    const run = await runBuiltCli(['classify', MIGRATIONS], { cwd });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toContain('101_rename_status.up.sql');
    expect(run.stdout).toContain('could not classify 1 file(s)');
    expect(run.stderr).toMatch(/100_add_subscription_note\.down\.sql:3:\d+: SQL syntax error: syntax error at or near "TABEL"/);
  });

  it('drill stops at the first failing down without --keep-going', async () => {
    const flags = ['--migrations', MIGRATIONS, '--migrator', 'sql'];
    const run = await runBuiltCli(['drill', 'migrations', ...flags, '--provider', 'local', '--seed', SEED, '--json'], { cwd });
    expect(run.exitCode, run.stderr).toBe(3);
    const scenario = run.json<{ scenarios: Array<{ detail: string; steps: StepJson[] }> }>().scenarios[0]!;
    const steps = new Map(scenario.steps.map((s) => [s.name, s]));
    expect(steps.get('down 100_add_subscription_note')!.status).toBe('fail');
    expect(steps.get('down 14_normalize_trialing')!.status).toBe('not-run');
    // The report says how to rehearse the rest too.
    const notRun = scenario.steps.filter((s) => s.status === 'not-run').length;
    expect(scenario.detail).toContain(`(${notRun} later steps did not run: \`${suggested(flags)} drill migrations --keep-going\` rehearses every migration and reports each failure)`);
  }, 180_000);

  it('drill --keep-going rehearses every down, reports each failure, walks past the enum value and the empty down, on the pinned port', async () => {
    const port = await freePort();
    const run = await runBuiltCli(['drill', 'migrations', '--migrations', MIGRATIONS, '--migrator', 'sql', '--provider', 'local', '--seed', SEED, '--keep-going', '--port', `${port}-${port + 5}`, '--json'], { cwd });
    expect(run.exitCode, run.stderr).toBe(3);
    expect(run.stderr).toContain(`127.0.0.1:${port}`);
    const scenario = run.json<{ scenarios: Array<{ steps: StepJson[]; facts: { failures: string[]; withoutDown: string[] } }> }>().scenarios[0]!;
    const steps = new Map(scenario.steps.map((s) => [s.name, s]));
    expect(scenario.facts.failures).toEqual(['down 100_add_subscription_note']);
    expect(steps.get('down 100_add_subscription_note')!.status).toBe('fail');
    expect(steps.get('down 101_rename_status')!.status).toBe('pass');
    expect(steps.get('down 20_dedupe_scratch')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/empty.*the way back is restore/) });
    expect(steps.get('down 13_add_enterprise_plan')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/irreversible by nature: value enterprise added to enum public\.plan_kind.*the way back is restore/) });
    // Its up UPDATEs subscriptions (matching no seeded row): the down may change them.
    expect(steps.get('down 14_normalize_trialing')!.status, steps.get('down 14_normalize_trialing')!.detail).toBe('pass');
    for (const name of ['12_widen_price', '11_bigint_amounts', '10_widen_account_email', '2_create_subscriptions', '1_create_accounts']) {
      expect(steps.get(`down ${name}`)!.status, `${name}: ${steps.get(`down ${name}`)!.detail}`).toBe('pass');
    }
    expect(steps.get('up again 101_rename_status')!.status).toBe('pass');
  }, 240_000);

  it('drill --port refuses a malformed port before starting anything (exit 2)', async () => {
    const run = await runBuiltCli(['drill', 'migrations', '--migrations', MIGRATIONS, '--migrator', 'sql', '--provider', 'local', '--port', '5433-5400'], { cwd });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--port must be a port (1-65535) or a range FROM-TO (got "5433-5400")');
  });
});
