/**
 * Liquibase's own formats end to end: the shop as a YAML changelog (a root
 * that includes one file per change) and as one XML changelog, driven
 * through the built CLI against a real cluster as a user would — status,
 * classify, migrate, plan, undo --count 1 (the real Liquibase's
 * rollback-count), undo --to TAG (its rollback --tag, the tag set by its own
 * `tag` command) — with DATABASECHANGELOG agreeing with what the real
 * Liquibase says itself (`status --verbose`, `history`). Each Liquibase call
 * starts a JVM (seconds on a loaded machine), so the steps share one
 * database per format and run in order.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownKind } from '../../../src/index.js';
import { findLiquibase, runLiquibase, type LiquibaseProgram } from '../../../src/tools/liquibase/program.js';
import { runBuiltCli, type CliRun } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES, SHOP_NAMES } from './support.js';

const STEP = 600_000;
/** One CLI run may start several JVMs (seconds each, tens on a loaded machine). */
const CLI_TIMEOUT = 280_000;

interface Format {
  name: string;
  dir: string;
  changelog: string;
  /** FILENAME Liquibase records for a changeset. */
  filenameOf(id: string): string;
  downs: DownKind[];
}

const FORMATS: Format[] = [
  {
    name: 'YAML',
    dir: path.join(FIXTURES, 'liquibase', 'shop-yaml'),
    changelog: 'db.changelog-master.yaml',
    filenameOf: (id) => `changes/${id}.yaml`,
    // createTable, addColumn, renameColumn: Liquibase inverts them; 003, 005, 006 write a rollback; 007 is raw SQL without one.
    downs: ['inferred', 'inferred', 'yes', 'inferred', 'yes', 'yes', 'missing'],
  },
  {
    name: 'XML',
    dir: path.join(FIXTURES, 'liquibase', 'shop-xml'),
    changelog: 'db.changelog-master.xml',
    filenameOf: () => 'db.changelog-master.xml',
    downs: ['yes', 'inferred', 'yes', 'inferred', 'yes', 'yes', 'missing'],
  },
];

let cluster: Cluster;
let program: LiquibaseProgram;

beforeAll(async () => {
  cluster = await startCluster({ settings: { wal_level: 'replica' } });
  const found = await findLiquibase(FIXTURES);
  if (!found) throw new Error('the liquibase npm package (devDependency) is not installed: run npm ci');
  program = found;
});

afterAll(async () => {
  await cluster?.stop();
});

function ok(run: CliRun, what: string): void {
  expect(run.exitCode, `${what}: ${run.stderr}`).toBe(0);
}

interface StatusJson {
  migrator: string;
  head: string | null;
  migrations: Array<{ name: string; applied: boolean; down: DownKind; downNote?: string }>;
}

interface PlanJson {
  type: string;
  migrations: Array<{ name: string; down: string; dataLoss: string | null; atRisk: { rows: number } | null; downSql: { sql: string; source: string; note: string | null } }>;
  atRiskUnknown: string[];
}

describe.each(FORMATS)('liquibase $name changelog through the built CLI', (format) => {
  let database: string;
  let storage: string;
  let cacheDir: string;
  const env = () => ({ DBROLLBACK_CACHE_DIR: cacheDir });
  const run = (...args: string[]) => runBuiltCli([...args, '--migrations', format.dir, '--database-url', cluster.url(database), '--storage', storage, '--json'], { env: env(), timeoutMs: CLI_TIMEOUT });
  const liquibase = (command: string, args: string[] = []) =>
    runLiquibase({ program, conn: cluster.conn(database), dir: format.dir, changelog: format.changelog, table: { schema: 'public', table: 'databasechangelog' } }, command, args);
  const rows = () => cluster.sql<{ id: string; filename: string; tag: string | null }>(database, 'SELECT id, filename, tag FROM public.databasechangelog ORDER BY dateexecuted, orderexecuted');
  /** The changesets the real Liquibase lists as pending (`status --verbose`). */
  const liquibasePending = async () => (await liquibase('status', ['--verbose'])).stdout.split('\n').map((l) => /^\s+\S+::(\S+)::shop\s*$/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
  /** The changesets the real Liquibase lists as ran (`history`), oldest first. */
  const liquibaseHistory = async () =>
    (await liquibase('history')).stdout
      .split('\n')
      .map((l) => l.split('|').map((c) => c.trim()))
      .filter((cells) => cells.length >= 7 && /^\d+$/.test(cells[1]!))
      .map((cells) => cells[5]!);

  beforeAll(async () => {
    database = (await cluster.createDatabase()).database;
    storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-liquibase-storage-'));
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-liquibase-cache-'));
  });
  afterAll(async () => {
    await rm(storage, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('status: detected as Liquibase; each changeset\'s down as the changelog gives it (its own rollback, one Liquibase infers, none)', { timeout: STEP }, async () => {
    const status = await run('status');
    ok(status, 'status');
    const doc = status.json<StatusJson>();
    expect(doc.migrator).toBe('liquibase');
    expect(doc.migrations.map((m) => [m.name, m.applied, m.down])).toEqual(SHOP_NAMES.map((n, i) => [n, false, format.downs[i]]));
    expect(doc.migrations.at(-1)!.downNote).toMatch(/no <rollback>, and Liquibase cannot invert sql/);
    // (Liquibase's own `status`, which lists what is pending, creates its tables: nothing is recorded in them.)
    expect(await rows()).toEqual([]);
  });

  it('classify: the changelog\'s SQL as Liquibase generates it, each changeset judged on its own; the down missing because of 007; the second run from the cache', { timeout: STEP }, async () => {
    const first = await runBuiltCli(['classify', path.join(format.dir, format.changelog), '--json'], { env: env(), timeoutMs: CLI_TIMEOUT });
    ok(first, 'classify');
    expect(first.stderr).toContain('asking Liquibase for the SQL');
    const files = first.json<{ files: Array<{ kind: string; compatibility: string; dataLoss: string; reversible: boolean; down: { kind: string; note?: string }; statements: Array<{ sql: string; findings: Array<{ rule: string }> }> }> }>().files;
    expect(files).toHaveLength(1);
    const file = files[0]!;
    expect(file).toMatchObject({ kind: 'liquibase', compatibility: 'breaking', dataLoss: 'destructive', reversible: false });
    expect(file.down.kind).toBe('missing');
    expect(file.down.note).toContain('007_collapse-order-statuses');
    const rulesOf = (pattern: RegExp) => file.statements.find((s) => pattern.test(s.sql))?.findings.map((f) => f.rule) ?? [];
    // The column 001 created is not new to 005: dropping it is destructive, renaming 004's is breaking.
    expect(rulesOf(/DROP COLUMN legacy_code/)).toContain('drop-column');
    expect(rulesOf(/RENAME COLUMN note TO customer_note/)).toContain('rename-column');
    expect(file.statements.map((s) => s.sql).join('\n')).not.toMatch(/databasechangelog|SET SEARCH_PATH/i);

    const again = await runBuiltCli(['classify', path.join(format.dir, format.changelog), '--json'], { env: env(), timeoutMs: CLI_TIMEOUT });
    ok(again, 'classify (cached)');
    expect(again.stderr).not.toContain('asking Liquibase');
    expect(again.json<{ files: unknown[] }>().files).toEqual(files);
  });

  it('migrate --fail-on breaking judges each pending changeset from the SQL Liquibase generates: refused (exit 4) naming the changesets before anything runs; the additive ones pass and are applied', { timeout: STEP }, async () => {
    const fresh = (await cluster.createDatabase()).database;
    const runOn = (...args: string[]) => runBuiltCli([...args, '--migrations', format.dir, '--database-url', cluster.url(fresh), '--storage', storage, '--json'], { env: env(), timeoutMs: CLI_TIMEOUT });
    const applied = async () => {
      const [row] = await cluster.sql<{ t: string | null }>(fresh, "SELECT to_regclass('public.databasechangelog')::text AS t");
      return row?.t == null ? [] : (await cluster.sql<{ id: string }>(fresh, 'SELECT id FROM public.databasechangelog ORDER BY orderexecuted')).map((r) => r.id);
    };

    const refused = await runOn('migrate', '--fail-on', 'breaking', '--backup', 'never');
    expect(refused.exitCode, refused.stderr).toBe(4);
    const doc = refused.json<{ error: { code: string; message: string; details: { offences: Array<{ migration: string; path: string; sql: string; rule: string; changeSet?: { id: string; author: string; filename: string } }> } }; applied: string[] }>();
    expect(doc.error.code).toBe('CLASSIFY_FAIL_ON');
    expect(doc.applied).toEqual([]);
    const rename = doc.error.details.offences.find((o) => o.migration === '004_rename-order-note');
    expect(rename).toMatchObject({ rule: 'rename-column', path: format.filenameOf('004_rename-order-note'), changeSet: { id: '004_rename-order-note', author: 'shop', filename: format.filenameOf('004_rename-order-note') } });
    expect(rename!.sql).toMatch(/RENAME COLUMN note TO customer_note/);
    expect(doc.error.details.offences.map((o) => o.migration)).toContain('005_drop-customer-legacy-code');
    expect(doc.error.message).toContain(`changeset 004_rename-order-note by shop in ${format.filenameOf('004_rename-order-note')}`);
    expect(doc.error.message).toContain('SQL Liquibase generates');
    // Refused before Liquibase ran anything: no changeset recorded, no table made.
    expect(await applied()).toEqual([]);
    expect(await cluster.sql(fresh, "SELECT to_regclass('public.customers')::text AS t")).toEqual([{ t: null }]);

    const passed = await runOn('migrate', '--count', '2', '--fail-on', 'breaking', '--backup', 'never');
    ok(passed, 'migrate --count 2 --fail-on breaking');
    const verdicts = passed.json<{ classification: Array<{ name: string; compatibility: string | null; changeSet?: { filename: string } }> }>().classification;
    expect(verdicts.map((v) => [v.name, v.compatibility, v.changeSet?.filename])).toEqual(SHOP_NAMES.slice(0, 2).map((n) => [n, 'additive', format.filenameOf(n)]));
    expect(await applied()).toEqual(SHOP_NAMES.slice(0, 2));
  });

  it('migrate through Liquibase (tagged by Liquibase\'s own `tag` after 002), then plan --count 1: an undo with the rollback Liquibase would run', { timeout: STEP }, async () => {
    ok(await run('migrate', '--count', '2', '--backup', 'never'), 'migrate --count 2');
    await liquibase('tag', ['--tag=release-1']);
    await cluster.sql(database, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
    const migrate = await run('migrate', '--to', '004_rename-order-note', '--backup', 'never');
    ok(migrate, 'migrate --to 004');
    expect((await rows()).map((r) => [r.id, r.filename, r.tag])).toEqual(
      SHOP_NAMES.slice(0, 4).map((n, i) => [n, format.filenameOf(n), i === 1 ? 'release-1' : null]),
    );
    expect(await liquibasePending()).toEqual(SHOP_NAMES.slice(4));

    const plan = await run('plan', '--count', '1');
    ok(plan, 'plan');
    const doc = plan.json<PlanJson>();
    expect(doc.type).toBe('undo');
    expect(doc.migrations.map((m) => [m.name, m.down])).toEqual([['004_rename-order-note', 'inferred']]);
    expect(doc.migrations[0]!.downSql).toMatchObject({ source: 'generated', note: null });
    expect(doc.migrations[0]!.downSql.sql).toContain('RENAME COLUMN customer_note TO note');
    expect(doc.atRiskUnknown).toEqual([]);
  });

  it('undo --count 1 runs Liquibase\'s rollback-count; Liquibase\'s own status and history agree', { timeout: STEP }, async () => {
    const undo = await run('undo', '--count', '1', '--yes');
    ok(undo, 'undo --count 1');
    expect(undo.json<{ undone: string[] }>().undone).toEqual(['004_rename-order-note']);
    expect((await rows()).map((r) => r.id)).toEqual(SHOP_NAMES.slice(0, 3));
    expect(await liquibaseHistory()).toEqual(SHOP_NAMES.slice(0, 3));
    expect(await liquibasePending()).toEqual(SHOP_NAMES.slice(3));
    expect(await cluster.sql(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND column_name IN ('note', 'customer_note')")).toEqual([{ column_name: 'note' }]);
  });

  it('undo --to TAG runs Liquibase\'s rollback --tag: the tagged changeset stays, the later ones are undone', { timeout: STEP }, async () => {
    ok(await run('migrate', '--to', '004_rename-order-note', '--backup', 'never'), 'migrate --to 004 again');
    const undo = await run('undo', '--to', 'release-1', '--yes');
    ok(undo, 'undo --to release-1');
    expect(undo.json<{ undone: string[] }>().undone).toEqual(['004_rename-order-note', '003_index-orders-customer']);
    expect((await rows()).map((r) => [r.id, r.tag])).toEqual([
      ['001_create-tables', null],
      ['002_add-customer-phone', 'release-1'],
    ]);
    expect(await liquibaseHistory()).toEqual(SHOP_NAMES.slice(0, 2));
    expect(await cluster.sql(database, "SELECT to_regclass('orders_customer_id_idx') AS i")).toEqual([{ i: null }]);
    expect((await run('status')).json<StatusJson>().head).toBe('002_add-customer-phone');
  });

  it('plan sees what the applied changesets did (their up SQL): the backfill\'s rewrite is at risk; undo refuses 007 before any change', { timeout: STEP }, async () => {
    ok(await run('migrate', '--to', '004_rename-order-note', '--backup', 'never'), 'migrate --to 004');
    ok(await run('migrate', '--to', '006_backfill-product-sku', '--backup', 'never'), 'migrate --to 006');
    ok(await run('migrate', '--backup', 'never'), 'migrate (007)');
    const plan = await run('plan', '--to', '004_rename-order-note');
    ok(plan, 'plan --to 004');
    const doc = plan.json<PlanJson>();
    expect(doc.migrations.map((m) => [m.name, m.down])).toEqual([
      ['007_collapse-order-statuses', 'missing'],
      ['006_backfill-product-sku', 'yes'],
      ['005_drop-customer-legacy-code', 'yes'],
    ]);
    expect(doc.type).toBe('restore');
    const backfill = doc.migrations.find((m) => m.name === '006_backfill-product-sku')!;
    expect(backfill.dataLoss).toBe('rewrite');
    expect(backfill.atRisk?.rows).toBe(4);
    expect(doc.migrations.find((m) => m.name === '005_drop-customer-legacy-code')!.dataLoss).toBe('destructive');

    const before = await rows();
    const undo = await run('undo', '--count', '1', '--yes');
    expect(undo.exitCode).toBe(4);
    expect(undo.json<{ error: { code: string; message: string } }>().error.message).toContain('007_collapse-order-statuses');
    expect(await rows()).toEqual(before);
  });
});
