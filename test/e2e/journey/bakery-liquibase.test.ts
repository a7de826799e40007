/**
 * The on-call journey on a Liquibase history: `migrations-fixtures/journey/bakery`,
 * a Spring Boot project (`src/main/resources/application.yml` naming
 * `classpath:db/changelog/db.changelog-master.yaml`, whose root changelog
 * includes the folder `db/changelog/changes/` with includeAll, by its
 * classpath path): formatted SQL (multi-line and `not required` rollbacks,
 * a plpgsql function with splitStatements:false, a runOnChange view), a YAML
 * changelog (createTable and addColumn rolled back by Liquibase itself, a
 * CHECK with a precondition and its own rollback), a tagDatabase changeset,
 * a backfill, a dropped column holding data, a CHECK widened, and a
 * rollback that drops more than its change made. The real Liquibase (npm
 * `liquibase`, on PATH as a Spring team has it) runs the changelog.
 * Run from the project root: classify → status → migrate (restore points)
 * → plan → undo (refused, then done) → restore --before-migration --tables
 * → verify → `liquibase update` carrying on from dbrollback's history → a
 * changed runOnChange view → drill all --provider local, each answer checked
 * against the database and DATABASECHANGELOG.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLiquibase, runLiquibase, type LiquibaseProgram } from '../../../src/tools/liquibase/program.js';
import { PROJECT_ROOT, runBuiltCli, type CliRun } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { query } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const FIXTURE = path.join(FIXTURES, 'journey', 'bakery');
const RESOURCES = path.join('src', 'main', 'resources');
const CHANGELOG_DIR = path.join(RESOURCES, 'db', 'changelog');
const CHANGES = path.join(CHANGELOG_DIR, 'changes');
const LIQUIBASE_BIN = path.join(PROJECT_ROOT, 'node_modules', 'liquibase', 'dist', 'liquibase');
/** One CLI run may start several JVMs (seconds each, tens on a loaded machine). */
const CLI_TIMEOUT = 280_000;
const NAMES = [
  '001-customers-and-products',
  '002-orders',
  '002-customer-phone',
  '002-order-status-check',
  '004-order-total-function',
  '005-daily-sales-view',
  '006-tag-release-1.0',
  '007-orders-total-column',
  '007-orders-total-backfill',
  '008-drop-customer-fax',
  '009-order-status-refunded',
  '010-loyalty-points',
];
/** FILENAME as Spring Boot's Liquibase records it: the classpath path. */
const FILES = [
  '001-init.sql',
  '002-orders.yaml',
  '002-orders.yaml',
  '002-orders.yaml',
  '004-order-total-function.sql',
  '005-daily-sales-view.sql',
  '006-release-1.0.yaml',
  '007-order-total-backfill.sql',
  '007-order-total-backfill.sql',
  '008-drop-customer-fax.sql',
  '009-order-status-refunded.sql',
  '010-loyalty.sql',
].map((f) => `db/changelog/changes/${f}`);
const AUTHORS = ['marta', 'marta', 'marta', 'marta', 'jonas', 'jonas', 'marta', 'jonas', 'jonas', 'marta', 'jonas', 'ana'];

interface ErrorDoc {
  error: { code: string; message: string; hint: string };
}
interface StatusDoc {
  head: string | null;
  migrations: Array<{ name: string; applied: boolean; down: string; restorePoint: { name: string } | null }>;
}
interface DrillDoc {
  ok: boolean;
  scenarios: Array<{ name: string; status: string; detail: string; steps: Array<{ name: string; status: string; detail: string }>; facts: Record<string, unknown> }>;
}
interface Row {
  id: string;
  author: string;
  filename: string;
  md5sum: string;
  orderexecuted: number;
  exectype: string;
  tag: string | null;
}

const one = async (url: string, sql: string): Promise<string | null> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string | null;
const changelogRows = (url: string) => query<Row>(url, 'SELECT id, author, filename, md5sum, orderexecuted, exectype, tag FROM databasechangelog ORDER BY dateexecuted, orderexecuted');
const columnsOf = async (url: string, table: string) =>
  (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.c);
const tablesOf = async (url: string) =>
  (await query<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'databasechangelog%' ORDER BY 1")).map((r) => r.t);

describe('the journey on a Liquibase bakery in a Spring Boot layout, run from the project root', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];
  let project: string;
  let program: LiquibaseProgram;
  const env = () => ({ HOME: project, PATH: `${LIQUIBASE_BIN}${path.delimiter}${process.env.PATH ?? ''}`, DBROLLBACK_CACHE_DIR: path.join(project, '.cache'), TESTCONTAINERS_RYUK_DISABLED: 'true' });
  const run = (argv: string[], timeoutMs = CLI_TIMEOUT): Promise<CliRun> => runBuiltCli(argv, { cwd: project, env: env(), timeoutMs });
  /** The real Liquibase as the Spring Boot application runs it: the classpath root as search path. */
  const liquibase = (command: string, more: string[] = []) => {
    const database = new URL(url).pathname.slice(1);
    return runLiquibase({ program, conn: primary.conn(database), dir: path.join(project, RESOURCES), changelog: 'db/changelog/db.changelog-master.yaml', table: { schema: 'public', table: 'databasechangelog' } }, command, more);
  };
  const liquibasePending = async () => (await liquibase('status', ['--verbose'])).stdout.split('\n').map((l) => /^\s+(\S+::\S+::\S+)\s*$/.exec(l)?.[1]).filter((x): x is string => x !== undefined);

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-journey-bakery-'));
    await cp(FIXTURE, project, { recursive: true });
    const found = await findLiquibase(PROJECT_ROOT);
    if (!found) throw new Error('the liquibase npm package (devDependency) is not installed: run npm ci');
    program = found;
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-lb-store-', ['--migrations', CHANGELOG_DIR]));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify, status, migrate, plan, undo (refused, then done), restore --before-migration --tables, verify, liquibase update after dbrollback, a changed runOnChange view: each answer as the database and DATABASECHANGELOG say', async () => {
    // status with nothing but the database: the folder of Spring Boot's root changelog is the one to pass (was: only "no ./migrations directory").
    const bare = await run(['status', '--database-url', url, '--storage', storage, '--json']);
    expect(bare.exitCode).toBe(2);
    expect(bare.json<ErrorDoc>().error.message).toContain(
      `./${path.join(CHANGELOG_DIR, 'db.changelog-master.yaml')} is the root changelog Spring Boot's Liquibase runs (spring.liquibase.change-log in ${path.join(RESOURCES, 'application.yml')}): pass --migrations ${CHANGELOG_DIR} --migrator liquibase`,
    );

    // classify the root changelog: Liquibase prints its SQL from the classpath root (was: "Could not find directory … for includeAll 'db/changelog/changes/'").
    const classify = await run(['classify', path.join(CHANGELOG_DIR, 'db.changelog-master.yaml'), '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const [file] = classify.json<{ files: Array<{ compatibility: string; dataLoss: string; reversible: boolean; statements: Array<{ sql: string; findings: Array<{ rule: string }> }> }> }>().files;
    expect(file).toMatchObject({ compatibility: 'breaking', dataLoss: 'destructive', reversible: false });
    const rulesOf = (pattern: RegExp) => file!.statements.find((s) => pattern.test(s.sql))?.findings.map((f) => f.rule) ?? null;
    expect(rulesOf(/DROP COLUMN fax/)).toContain('drop-column');
    expect(rulesOf(/UPDATE orders SET total_cents/)).toContain('update-rows');
    // splitStatements:false: the function is one statement, its body whole.
    expect(file!.statements.find((s) => s.sql.includes('FUNCTION order_total_cents'))!.sql).toContain('RETURN total;');

    // status: each changeset's down as the changelog gives it, includeAll followed (was: every one "inferred").
    const fresh = await run(['status', '--json', ...args]);
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.json<StatusDoc>().migrations.map((m) => [m.name, m.applied, m.down])).toEqual(
      NAMES.map((n) => [n, false, ['002-orders', '002-customer-phone', '006-tag-release-1.0'].includes(n) ? 'inferred' : 'yes']),
    );

    // migrate up to the CHECK, the seed, then the rest: a restore point before each; DATABASECHANGELOG as the application's Liquibase writes it.
    const first = await run(['migrate', '--to', '002-order-status-check', '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json<{ applied: string[] }>().applied).toEqual(NAMES.slice(0, 4));
    await query(url, await readFile(path.join(project, 'seed.sql'), 'utf8'));
    const rest = await run(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.json<{ applied: string[] }>().applied).toEqual(NAMES.slice(4));
    const rows = await changelogRows(url);
    expect(rows.map((r) => [r.id, r.author, r.filename, r.orderexecuted, r.exectype])).toEqual(NAMES.map((n, i) => [n, AUTHORS[i], FILES[i], i + 1, 'EXECUTED']));
    expect(rows.every((r) => /^9:[0-9a-f]{32}$/.test(r.md5sum))).toBe(true);
    expect(rows.filter((r) => r.tag !== null).map((r) => [r.id, r.tag])).toEqual([['006-tag-release-1.0', 'release-1.0']]);
    expect(await one(url, "SELECT string_agg(id || ':' || total_cents, ',' ORDER BY id) FROM orders")).toBe('1:2020,2:590,3:1560,4:1170,5:1800');
    expect(await columnsOf(url, 'customers')).toEqual(['id', 'email', 'full_name', 'created_at', 'phone']);
    const status = (await run(['status', '--json', ...args])).json<StatusDoc>();
    expect(status.head).toBe('010-loyalty-points');
    expect(status.migrations.every((m) => m.applied && m.restorePoint !== null)).toBe(true);
    // The real Liquibase agrees: nothing pending, no validation error (ids, authors, filenames, checksums as it computes them).
    expect(await liquibasePending()).toEqual([]);
    expect((await liquibase('validate')).stdout + (await liquibase('validate')).stderr).toContain('No validation errors found');

    // The application writes: loyalty points, and a refund (a status only the widened CHECK allows).
    await query(url, "INSERT INTO loyalty_points VALUES (1, 120), (2, 40); UPDATE orders SET status = 'refunded' WHERE id = 2");

    // plan back over the dropped column: a restore to before 008, the data each down would destroy, the row the narrower CHECK would reject.
    const plan = await run(['plan', '--count', '3', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planDoc = plan.json<{ type: string; migrations: Array<{ name: string; atRisk: { objects: Array<{ name: string; rows: number }> } | null }>; steps: Array<{ action: string; detail: string }> }>();
    expect(planDoc.type).toBe('restore');
    expect(planDoc.migrations.map((m) => m.name)).toEqual(['010-loyalty-points', '009-order-status-refunded', '008-drop-customer-fax']);
    expect(planDoc.steps.map((s) => s.action)).toContain('restore');
    const planText = await run(['plan', '--count', '3', ...args]);
    // The suggested command carries the flags this run was given, --migrations among them.
    expect(planText.stdout).toMatch(new RegExp(`dbrollback (--\\S+ \\S+ )*--migrations ${CHANGELOG_DIR.replace(/\//g, '\\/')} restore --before-migration 008-drop-customer-fax --data-dir DIR`));
    expect(planText.stdout).toContain("1 row of public.orders violates it (status = 'refunded')");
    expect(planText.stdout).toContain('note: the down of 010-loyalty-points also drops column public.customers.phone, which its up did not create');

    // plan --to the tag 006 set with tagDatabase: Liquibase's rollback --tag undoes the tagging changeset too, and so does the plan.
    const toTag = await run(['plan', '--to', 'release-1.0', '--json', ...args]);
    expect(toTag.exitCode, toTag.stderr).toBe(0);
    const toTagDoc = toTag.json<{ targetHead: string; migrations: Array<{ name: string }> }>();
    expect(toTagDoc.migrations.map((m) => m.name)).toEqual(NAMES.slice(6).reverse());
    expect(toTagDoc.targetHead).toBe('005-daily-sales-view');

    // undo 010: its rollback also drops customers.phone (002's): refused, nothing changed — even with --accept-data-loss.
    for (const extra of [[], ['--accept-data-loss']]) {
      const refused = await run(['undo', '--count', '1', '--yes', '--json', ...extra, ...args]);
      expect(refused.exitCode, refused.stdout).toBe(4);
      const { error } = refused.json<ErrorDoc>();
      expect(error.message).toContain('down of 010-loyalty-points drops column public.customers.phone, which 002-customer-phone created');
      expect(error.hint).toContain('--accept-schema-difference');
    }
    expect(await changelogRows(url)).toHaveLength(12);
    // The team fixes the rollback (Liquibase's checksum covers the change, not the rollback: the recorded MD5SUM still holds).
    const loyalty = path.join(project, CHANGES, '010-loyalty.sql');
    await writeFile(loyalty, (await readFile(loyalty, 'utf8')).replace('--rollback ALTER TABLE customers DROP COLUMN phone;\n', ''));
    const dataLoss = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(dataLoss.exitCode).toBe(4);
    expect(dataLoss.json<ErrorDoc>().error).toMatchObject({ code: 'DATA_LOSS_REFUSED', message: expect.stringContaining('010-loyalty-points: drop-table public.loyalty_points (2 rows)') });
    const undo = await run(['undo', '--count', '1', '--yes', '--accept-data-loss', '--json', ...args]);
    expect(undo.exitCode, undo.stdout + undo.stderr).toBe(0);
    const undoDoc = undo.json<{ undone: string[]; verify: { ok: boolean }; backupId: string | null }>();
    expect(undoDoc).toMatchObject({ undone: ['010-loyalty-points'], verify: { ok: true } });
    expect(await tablesOf(url)).not.toContain('loyalty_points');
    expect(await columnsOf(url, 'customers')).toContain('phone');
    expect((await changelogRows(url)).map((r) => r.id)).toEqual(NAMES.slice(0, 11));

    // undo 009: the narrower CHECK would fail on the refund: refused before anything runs, naming the restore.
    const blocked = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(blocked.exitCode).toBe(4);
    const blockedError = blocked.json<ErrorDoc>().error;
    expect(blockedError.message).toContain("009-order-status-refunded (line 3): it adds CHECK orders_status_check to public.orders, and 1 row of public.orders violates it (status = 'refunded')");
    expect(blockedError.hint).toContain('restore --before-migration 009-order-status-refunded --data-dir DIR');
    expect(await changelogRows(url)).toHaveLength(11);

    // restore --before-migration 008 for the customers table: the fax numbers come back beside the live table.
    const restore = await run(['restore', '--before-migration', '008-drop-customer-fax', '--tables', 'public.customers', '--into-database', url, '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const restored = restore.json<{ beforeMigration: { kind: string; migration: string }; tables: Array<{ table: string; now: string; rows: number; matches: boolean }> }>();
    expect(restored.beforeMigration).toMatchObject({ kind: 'restore-point', migration: '008-drop-customer-fax' });
    expect(restored.tables).toEqual([expect.objectContaining({ table: 'public.customers', rows: 4, matches: true })]);
    expect(await one(url, `SELECT string_agg(id || '=' || coalesce(fax, '-'), ',' ORDER BY id) FROM ${restored.tables[0]!.now}`)).toBe('1=+33 1 42 68 53 00,2=-,3=+86 10 6552 9988,4=-');

    // verify: traffic may return at 009.
    const verify = await run(['verify', '--expect-head', '009-order-status-refunded', '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);

    // The application's Liquibase carries on from dbrollback's history: only 010 pending, applied under the same identity and checksum.
    const md5Before = rows.at(-1)!.md5sum;
    expect(await liquibasePending()).toEqual(['db/changelog/changes/010-loyalty.sql::010-loyalty-points::ana']);
    await liquibase('update');
    expect((await changelogRows(url)).at(-1)).toMatchObject({ id: '010-loyalty-points', filename: FILES[11], md5sum: md5Before, orderexecuted: 12, exectype: 'EXECUTED' });
    const afterUpdate = (await run(['status', '--json', ...args])).json<StatusDoc>();
    expect(afterUpdate.head).toBe('010-loyalty-points');
    expect(afterUpdate.migrations.filter((m) => !m.applied)).toEqual([]);

    // The runOnChange view changes: pending again, as Liquibase's status says (was: "nothing pending"); migrate runs it, its row RERAN.
    const view = path.join(project, CHANGES, '005-daily-sales-view.sql');
    await writeFile(view, (await readFile(view, 'utf8')).replace('AS revenue_cents', 'AS revenue_cents,\n       count(DISTINCT o.customer_id) AS customers'));
    expect(await liquibasePending()).toEqual(['db/changelog/changes/005-daily-sales-view.sql::005-daily-sales-view::jonas']);
    const changed = (await run(['status', '--json', ...args])).json<StatusDoc>();
    expect(changed.migrations.filter((m) => !m.applied).map((m) => m.name)).toEqual(['005-daily-sales-view']);
    const rerun = await run(['migrate', '--json', ...args]);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect(rerun.json<{ applied: string[] }>().applied).toEqual(['005-daily-sales-view']);
    expect((await changelogRows(url)).at(-1)).toMatchObject({ id: '005-daily-sales-view', orderexecuted: 13, exectype: 'RERAN' });
    expect(await columnsOf(url, 'daily_sales')).toEqual(['day', 'orders', 'revenue_cents', 'customers']);
    expect(await liquibasePending()).toEqual([]);
  }, 1_500_000);

  it('drill all --provider local from the project root, with the seed: every rollback rehearsed (the fixed one included), pitr recovers production', async () => {
    const drill = await run(['drill', 'all', '--migrations', CHANGELOG_DIR, '--seed', 'seed.sql', '--keep-going', '--provider', 'local', '--json', '--database-url', url, '--storage', storage], 900_000);
    expect(drill.exitCode, drill.stderr.slice(-2000)).toBe(0);
    const doc = drill.json<DrillDoc>();
    const walk = doc.scenarios.find((s) => s.name === 'migrations')!;
    expect(walk.status, walk.detail).toBe('pass');
    expect(walk.facts).toMatchObject({ migrator: 'liquibase', migrations: 12, downsRehearsed: 12, withoutDown: [], failures: [] });
    expect(doc.scenarios.find((s) => s.name === 'pitr')!.status).toBe('pass');
    // Production is where the journey left it.
    expect(await changelogRows(url)).toHaveLength(12);
  }, 1_000_000);
});
