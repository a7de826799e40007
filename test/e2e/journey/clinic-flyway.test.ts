/**
 * The on-call journey on a Flyway history: `migrations-fixtures/journey/clinic`,
 * a Spring Boot-style project (`src/main/resources/db/migration`, the
 * project's `flyway.toml` naming that location, placeholders and a `target`
 * the release train raises): V/U pairs, a dotted version (V1_1), a CHECK
 * used as an enum and widened, a lone CREATE INDEX CONCURRENTLY with its
 * `.sql.conf` (executeInTransaction=false), an in-place rewrite without a U
 * script, a dropped column whose U script re-adds it empty, a backfilled
 * table, a repeatable view named through `${flyway:defaultSchema}`.
 * Run from the project root as a new user runs it (Flyway reads flyway.toml
 * there): classify → status → migrate up to the target, then past it once
 * raised → plan → undo (done and refused) → restore --before-migration
 * --tables → verify → drill all --provider local, each answer checked
 * against the database and flyway_schema_history as Flyway would leave it.
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, type CliRun } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { query } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const FIXTURE = path.join(FIXTURES, 'journey', 'clinic');
const LOCATION = path.join('src', 'main', 'resources', 'db', 'migration');

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; down: { kind: string } | null; statements: Array<{ sql: string }> }>;
}
interface ErrorDoc {
  error: { code: string; message: string; hint: string };
}
interface StatusDoc {
  head: string | null;
  migrations: Array<{ name: string; applied: boolean; skippedBy?: string; tags?: string[]; restorePoint: { name: string } | null }>;
}
interface PlanDoc {
  type: string;
  head: string | null;
  targetHead: string | null;
  migrations: Array<{ name: string }>;
  staysApplied: Array<{ name: string; note: string }>;
}
interface DrillDoc {
  ok: boolean;
  provider: string;
  scenarios: Array<{ name: string; status: string; detail: string; steps: Array<{ name: string; status: string; detail: string }>; facts: Record<string, unknown> }>;
}

const one = async (url: string, sql: string): Promise<string | null> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string | null;
/** flyway_schema_history as Flyway's info reads it: rank, version, type, script, success. */
const history = async (url: string) =>
  (await query<{ r: string }>(url, "SELECT concat_ws(' ', installed_rank, coalesce(version, '-'), type, script, success) AS r FROM flyway_schema_history ORDER BY installed_rank")).map((row) => row.r);
const columnsOf = async (url: string, table: string) =>
  (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.c);
const tablesOf = async (url: string) =>
  (await query<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'flyway_schema_history' ORDER BY 1")).map((r) => r.t);

describe('the journey on a Flyway clinic history, run from the project root', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];
  /** The project, copied: the journey raises flyway.toml's target as a release would. */
  let project: string;
  const run = (argv: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliRun> =>
    runBuiltCli(argv, { cwd: project, env: { HOME: project, TESTCONTAINERS_RYUK_DISABLED: 'true', ...env }, timeoutMs });
  const setTarget = async (target: string) => {
    const toml = path.join(project, 'flyway.toml');
    await writeFile(toml, (await readFile(toml, 'utf8')).replace(/^target = .*$/m, `target = "${target}"`));
  };

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-journey-clinic-'));
    await cp(FIXTURE, project, { recursive: true });
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-fw-store-', ['--migrations', LOCATION, '--migrator', 'flyway']));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify, status, migrate up to flyway.toml\'s target and past it once raised, plan, undo (done and refused), restore --before-migration --tables, verify: each answer as the database says', async () => {
    // classify without --migrator: read as Flyway's, U scripts as the downs, placeholders replaced from flyway.toml.
    const classify = await run(['classify', LOCATION, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const files = classify.json<ClassifyDoc>().files;
    const verdicts = Object.fromEntries(files.map((f) => [path.basename(f.path, '.sql'), [f.compatibility, f.dataLoss, f.reversible, f.down?.kind ?? null]]));
    expect(verdicts).toMatchObject({
      V1__init: ['additive', 'none', true, 'yes'],
      V1_1__pet_types: ['additive', 'none', true, 'yes'],
      V2__visits: ['additive', 'none', true, 'yes'],
      V2_1__index_visits_pet: ['additive', 'none', true, 'yes'],
      V3__owners_email: ['additive', 'none', true, 'yes'],
      V4__normalize_telephones: ['additive', 'rewrite', false, 'missing'],
      V6__drop_owners_city: ['breaking', 'destructive', false, 'yes'],
      V7__invoices: ['additive', 'none', true, 'yes'],
      V8__vets_and_specialties: ['additive', 'none', true, 'yes'],
      R__owner_pet_counts: ['additive', 'none', false, 'missing'],
    });
    const sqlOf = (name: string) => files.find((f) => path.basename(f.path) === name)!.statements.map((s) => s.sql).join('\n');
    expect(sqlOf('V2__visits.sql')).toContain("interval '2 days'");
    expect(sqlOf('V7__invoices.sql')).toContain("DEFAULT 'EUR'");
    expect(sqlOf('R__owner_pet_counts.sql')).toContain('VIEW public.owner_pet_counts');

    // status with nothing but the database: the location flyway.toml names is the folder to pass (was: only "no ./migrations directory").
    const bare = await run(['status', '--database-url', url, '--storage', storage, '--json']);
    expect(bare.exitCode).toBe(2);
    expect(bare.json<ErrorDoc>().error.message).toContain(`the Flyway configuration (flyway.toml) names the location ${LOCATION}: pass --migrations ${LOCATION} --migrator flyway`);

    // status as told: the versions above target = "3" are pending but will not run.
    const fresh = await run(['status', '--json', ...args]);
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    const pendingDoc = fresh.json<StatusDoc>().migrations;
    expect(pendingDoc.filter((m) => m.skippedBy !== undefined).map((m) => m.name)).toEqual(['V4__normalize_telephones', 'V5__visit_status_no_show', 'V6__drop_owners_city', 'V7__invoices', 'V8__vets_and_specialties']);
    expect(pendingDoc.find((m) => m.name === 'V4__normalize_telephones')!.skippedBy).toContain(`target = 3, in ${path.join(project, 'flyway.toml')}`);
    expect(pendingDoc.find((m) => m.name === 'V1_1__pet_types')!.tags).toEqual(['1.1', '1_1', 'V1_1', 'U1_1__pet_types', 'U1_1__pet_types.sql']);

    // migrate --to the version as Flyway writes it (was: "no pending migration has that name"); the seed; the rest up to the target.
    const first = await run(['migrate', '--to', '2', '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json<{ applied: string[] }>().applied).toEqual(['V1__init', 'V1_1__pet_types', 'V2__visits']);
    expect(await history(url)).toEqual(['1 1 SQL V1__init.sql t', '2 1.1 SQL V1_1__pet_types.sql t', '3 2 SQL V2__visits.sql t']);
    expect(await one(url, "SELECT column_default FROM information_schema.columns WHERE table_name = 'visits' AND column_name = 'remind_before'")).toBe("'2 days'::interval");
    await query(url, await readFile(path.join(project, 'seed.sql'), 'utf8'));
    const past = await run(['migrate', '--to', '5', '--json', ...args]);
    expect(past.exitCode).toBe(2);
    expect(past.json<ErrorDoc>().error.message).toContain('V5__visit_status_no_show is pending but above the target');
    expect(past.json<ErrorDoc>().error.hint).toContain('Raise or remove target in the Flyway configuration');
    expect(await history(url)).toHaveLength(3);
    const toTarget = await run(['migrate', '--json', ...args]);
    expect(toTarget.exitCode, toTarget.stderr).toBe(0);
    expect(toTarget.json<{ applied: string[] }>().applied).toEqual(['V2_1__index_visits_pet', 'V3__owners_email', 'R__owner_pet_counts']);
    expect((await history(url)).slice(3)).toEqual(['4 2.1 SQL V2_1__index_visits_pet.sql t', '5 3 SQL V3__owners_email.sql t', '6 - SQL R__owner_pet_counts.sql t']);
    expect(await one(url, "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'visits_pet_id_idx'::regclass")).toBe('true');
    expect(await one(url, 'SELECT sum(pets)::text FROM owner_pet_counts')).toBe('6');
    // The deploy's gate: Flyway's schema version is 3, the repeatable it ran after V3 aside (was: exit 3, "head is R__owner_pet_counts, expected 3").
    const gate = await run(['verify', '--expect-head', '3', '--json', ...args]);
    expect(gate.exitCode, gate.stdout).toBe(0);
    expect((await run(['verify', '--expect-head', '2.1', '--json', ...args])).exitCode).toBe(3);

    // The repeatable is the newest row: Flyway's undo skips it and takes back the latest versioned migration, and so does dbrollback
    // (was: the repeatable taken as "the last migration", so a restore plan).
    const planOverView = await run(['plan', '--count', '1', '--json', ...args]);
    expect(planOverView.exitCode, planOverView.stderr).toBe(0);
    expect(planOverView.json<PlanDoc>()).toMatchObject({ type: 'schema-stays', migrations: [{ name: 'V3__owners_email' }], staysApplied: [{ name: 'R__owner_pet_counts' }] });

    // The next release raises the target to 7: the rewrite first (owners as they were kept for later), then the rest up to 7.
    await setTarget('7');
    const ownersBefore = await query<{ id: string; telephone: string; city: string }>(url, 'SELECT id::text, telephone, city FROM owners ORDER BY id');
    const rewrite = await run(['migrate', '--to', 'V4__normalize_telephones.sql', '--json', ...args]);
    expect(rewrite.exitCode, rewrite.stderr).toBe(0);
    expect(await one(url, "SELECT string_agg(telephone, ',' ORDER BY id) FROM owners")).toBe('6085551023,6085551749,6085558763,6085553198,16085552765');
    const toSeven = await run(['migrate', '--json', ...args]);
    expect(toSeven.exitCode, toSeven.stderr).toBe(0);
    expect(toSeven.json<{ applied: string[] }>().applied).toEqual(['V5__visit_status_no_show', 'V6__drop_owners_city', 'V7__invoices']);
    expect(await columnsOf(url, 'owners')).not.toContain('city');
    expect(await one(url, "SELECT string_agg(currency || ' ' || amount, ',' ORDER BY visit_id) FROM invoices")).toBe('EUR 45.00,EUR 45.00,EUR 45.00');
    expect((await run(['status', '--json', ...args])).json<StatusDoc>().migrations.find((m) => m.name === 'V8__vets_and_specialties')!.skippedBy).toContain('target = 7');
    // Then removed (latest): V8.
    await setTarget('latest');
    const last = await run(['migrate', '--json', ...args]);
    expect(last.exitCode, last.stderr).toBe(0);
    expect(last.json<{ applied: string[] }>().applied).toEqual(['V8__vets_and_specialties']);
    const status = (await run(['status', '--json', ...args])).json<StatusDoc>();
    expect(status.head).toBe('V8__vets_and_specialties');
    expect(status.migrations.every((m) => m.applied && m.restorePoint !== null)).toBe(true);

    // plan --to in every form a Flyway user types names the same migration; the dropped column makes it a restore.
    for (const to of ['5', 'V5', 'V5__visit_status_no_show', 'V5__visit_status_no_show.sql', 'U5__visit_status_no_show.sql']) {
      const plan = await run(['plan', '--to', to, '--json', ...args]);
      expect(plan.exitCode, `${to}: ${plan.stdout}`).toBe(0);
      const doc = plan.json<{ type: string; migrations: Array<{ name: string; reversible: boolean | null }> }>();
      expect(doc.type).toBe('restore');
      expect(doc.migrations.map((m) => [m.name, m.reversible])).toEqual([['V8__vets_and_specialties', true], ['V7__invoices', true], ['V6__drop_owners_city', false]]);
    }
    const plan = await run(['plan', '--count', '1', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planDoc = plan.json<{ type: string; migrations: Array<{ atRisk: { objects: Array<{ name: string; rows: number }> } }> }>();
    expect(planDoc.type).toBe('schema-stays');
    expect(planDoc.migrations[0]!.atRisk.objects.map((o) => [o.name, o.rows])).toEqual([['public.vet_specialties', 0], ['public.specialties', 3], ['public.vets', 0]]);

    // undo V8: refused while its seeded rows would go, done with --accept-data-loss, recorded as flyway undo records it.
    const refused = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorDoc>().error.code).toBe('DATA_LOSS_REFUSED');
    expect(await history(url)).toHaveLength(11);
    const undo = await run(['undo', '--count', '1', '--yes', '--accept-data-loss', '--json', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(undo.json<{ undone: string[] }>().undone).toEqual(['V8__vets_and_specialties']);
    expect((await history(url)).slice(10)).toEqual(['11 8 SQL V8__vets_and_specialties.sql t', '12 8 UNDO_SQL U8__vets_and_specialties.sql t']);
    expect(await tablesOf(url)).toEqual(['invoices', 'owners', 'pets', 'types', 'visits']);
    // undo --to the version: V7 undone; then V6 is refused (its U script cannot bring the cities back), naming the restore.
    const toSix = await run(['undo', '--to', '6', '--yes', '--accept-data-loss', '--json', ...args]);
    expect(toSix.exitCode, toSix.stderr).toBe(0);
    expect(toSix.json<{ undone: string[] }>().undone).toEqual(['V7__invoices']);
    expect(await tablesOf(url)).not.toContain('invoices');
    const irreversible = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(irreversible.exitCode).toBe(4);
    const { error } = irreversible.json<ErrorDoc>();
    expect(error.code).toBe('IRREVERSIBLE');
    expect(error.message).toContain('V6__drop_owners_city');
    expect(error.hint).toContain('restore --before-migration V6__drop_owners_city');
    expect(await history(url)).toHaveLength(13);
    expect(await columnsOf(url, 'owners')).toEqual(['id', 'first_name', 'last_name', 'address', 'telephone', 'email']);

    // restore --before-migration by the version: owners as they were before the rewrite (formats and cities), beside the live table.
    const restore = await run(['restore', '--before-migration', '4', '--tables', 'public.owners', '--into-database', url, '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const doc = restore.json<{ beforeMigration: { kind: string; migration: string }; tables: Array<{ table: string; now: string; rows: number; matches: boolean }> }>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'restore-point', migration: 'V4__normalize_telephones' });
    expect(doc.tables).toEqual([expect.objectContaining({ table: 'public.owners', rows: 5, matches: true })]);
    expect(await query(url, `SELECT id::text, telephone, city FROM ${doc.tables[0]!.now} ORDER BY id`)).toEqual(ownersBefore);
    expect(ownersBefore.map((o) => o.telephone)).toContain('(608) 555-1023');

    // verify: traffic may return; flyway_schema_history untouched by the restore.
    const verify = await run(['verify', '--expect-head', '6', '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);
    expect(await history(url)).toHaveLength(13);
  }, 600_000);

  it('the lone CONCURRENTLY index is undone by its U script outside a transaction (its .sql.conf), recorded as UNDO_SQL; --backup tables with nothing at risk says it holds the schema only', async () => {
    const { database } = await primary.createDatabase();
    const freshUrl = primary.url(database);
    const fresh = ['--migrations', LOCATION, '--migrator', 'flyway', '--database-url', freshUrl, '--storage', storage];
    expect((await run(['migrate', '--to', '2_1', '--backup', 'never', ...fresh])).exitCode).toBe(0);
    expect(await one(freshUrl, "SELECT count(*)::text FROM pg_indexes WHERE indexname = 'visits_pet_id_idx'")).toBe('1');
    const undo = await run(['undo', '--to', 'V2', '--yes', '--backup', 'tables', '--json', ...fresh]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const doc = undo.json<{ undone: string[]; plan: { safetyBackup: { taken: string; reason: string } } }>();
    expect(doc.undone).toEqual(['V2_1__index_visits_pet']);
    // Was: "--backup tables: the downs can destroy nothing".
    expect(doc.plan.safetyBackup).toMatchObject({ taken: 'tables', reason: "--backup tables: the downs destroy no table's rows: the schema only" });
    expect(await one(freshUrl, "SELECT count(*)::text FROM pg_indexes WHERE indexname = 'visits_pet_id_idx'")).toBe('0');
    expect((await history(freshUrl)).slice(3)).toEqual(['4 2.1 SQL V2_1__index_visits_pet.sql t', '5 2.1 UNDO_SQL U2_1__index_visits_pet.sql t']);
  });

  it('drill all --provider local in the project root: the location to pass is named; with it and the seed, every U script is rehearsed, the rewrite and the repeatable are the restore\'s, pitr recovers production', async () => {
    const production = ['--database-url', url, '--storage', storage];
    const bare = await run(['drill', 'all', '--provider', 'local', '--json', ...production], {}, 300_000);
    expect(bare.exitCode, bare.stderr).toBe(0);
    const bareDoc = bare.json<DrillDoc>();
    expect(bareDoc.scenarios[0]).toMatchObject({ name: 'migrations', status: 'skip' });
    expect(bareDoc.scenarios[0]!.detail).toContain(`pass --migrations ${LOCATION} --migrator flyway`);
    expect(bareDoc.scenarios.find((s) => s.name === 'pitr')!.status).toBe('pass');

    const seeded = await run(['drill', 'all', '--migrations', LOCATION, '--seed', 'seed.sql', '--keep-going', '--provider', 'local', '--json', ...production], {}, 300_000);
    expect(seeded.exitCode, seeded.stderr).toBe(0);
    const doc = seeded.json<DrillDoc>();
    const walk = doc.scenarios.find((s) => s.name === 'migrations')!;
    expect(walk.status, walk.detail).toBe('pass');
    expect(walk.facts).toMatchObject({ migrator: 'flyway', migrations: 11, downsRehearsed: 9, withoutDown: ['R__owner_pet_counts', 'V4__normalize_telephones'], failures: [], seedLoadedAfter: 'V2__visits' });
    const step = (name: string) => walk.steps.find((st) => st.name === name)!;
    expect(step('down V2_1__index_visits_pet').status).toBe('pass');
    expect(step('down V4__normalize_telephones')).toMatchObject({ status: 'skip', detail: expect.stringContaining('no U4__ undo script') });
    expect(doc.scenarios.find((s) => s.name === 'pitr')!.status).toBe('pass');
    // Production is where the journey left it.
    expect(await history(url)).toHaveLength(13);
  }, 600_000);

  it('a unique index CONCURRENTLY (executeInTransaction=false) failing on duplicates: recorded failed as Flyway records it, the INVALID index named, the hint puts dropping it and `flyway repair` first (was: "Fix it and run dbrollback migrate again")', async () => {
    const broken = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-journey-clinic-v9-'));
    await cp(FIXTURE, broken, { recursive: true });
    const dir = path.join(broken, LOCATION);
    await writeFile(path.join(dir, 'V9__unique_owner_last_name.sql'), 'CREATE UNIQUE INDEX CONCURRENTLY owners_last_name_key ON owners (last_name);\n');
    await writeFile(path.join(dir, 'V9__unique_owner_last_name.sql.conf'), 'executeInTransaction=false\n');
    await writeFile(path.join(broken, 'flyway.toml'), (await readFile(path.join(broken, 'flyway.toml'), 'utf8')).replace(/^target = .*$/m, ''));
    const { database } = await primary.createDatabase();
    const freshUrl = primary.url(database);
    const fresh = ['--migrations', LOCATION, '--migrator', 'flyway', '--database-url', freshUrl, '--storage', storage, '--backup', 'never', '--json'];
    const inBroken = (argv: string[]) => runBuiltCli(argv, { cwd: broken, env: { HOME: broken } });
    expect((await inBroken(['migrate', '--to', '2', ...fresh])).exitCode).toBe(0);
    await query(freshUrl, await readFile(path.join(broken, 'seed.sql'), 'utf8'));
    const failed = await inBroken(['migrate', ...fresh]);
    expect(failed.exitCode).toBe(1);
    const { error } = failed.json<ErrorDoc>();
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('now records it as failed (success = false)');
    expect(error.message).toContain('The database now holds an INVALID index: public.owners_last_name_key');
    expect(error.hint.startsWith('First run `DROP INDEX CONCURRENTLY public.owners_last_name_key;`'), error.hint).toBe(true);
    expect(error.hint).toContain('`flyway repair`');
    expect(error.hint).not.toContain('dbrollback migrate` again');
    expect((await history(freshUrl)).at(-1)).toBe('11 9 SQL V9__unique_owner_last_name.sql f');
    // As the hint says: then the next migrate is refused until the row is repaired.
    const again = await inBroken(['migrate', ...fresh]);
    expect(again.exitCode).toBe(2);
    expect(again.json<ErrorDoc>().error.hint).toContain('`flyway repair`');
  });
  it('a repeatable re-applied last (its script changed) stays applied: plan and undo --count 1 take back the newest versioned migration with its U script, as `flyway undo` does; verify passes; status says it stays applied; nothing versioned to undo is refused (was: the repeatable taken as the last migration, a restore)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-journey-clinic-rep-'));
    await cp(FIXTURE, dir, { recursive: true });
    const view = path.join(dir, LOCATION, 'R__owner_pet_counts.sql');
    const { database } = await primary.createDatabase();
    const freshUrl = primary.url(database);
    const fresh = ['--migrations', LOCATION, '--migrator', 'flyway', '--database-url', freshUrl, '--storage', storage];
    const inDir = (argv: string[]) => runBuiltCli(argv, { cwd: dir, env: { HOME: dir, TESTCONTAINERS_RYUK_DISABLED: 'true' }, timeoutMs: 120_000 });
    // Up to flyway.toml's target (3): V1 … V3, then the view.
    const first = await inDir(['migrate', '--backup', 'never', '--json', ...fresh]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json<{ applied: string[] }>().applied.at(-1)).toBe('R__owner_pet_counts');
    // The view's script changes: Flyway's next migrate re-applies it (a new row, version NULL), so it is the newest row.
    await writeFile(view, (await readFile(view, 'utf8')).replace('count(p.id) AS pets', 'count(p.id) AS pets,\n       count(p.id) > 0 AS has_pets'));
    const again = await inDir(['migrate', '--backup', 'never', '--json', ...fresh]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json<{ applied: string[] }>().applied).toEqual(['R__owner_pet_counts']);
    expect((await history(freshUrl)).slice(4)).toEqual(['5 3 SQL V3__owners_email.sql t', '6 - SQL R__owner_pet_counts.sql t', '7 - SQL R__owner_pet_counts.sql t']);

    // plan --count 1 names V3, the newest versioned migration, and says the view stays applied.
    const plan = await inDir(['plan', '--count', '1', '--json', ...fresh]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planDoc = plan.json<PlanDoc>();
    expect(planDoc.migrations.map((m) => m.name)).toEqual(['V3__owners_email']);
    expect(planDoc).toMatchObject({ type: 'schema-stays', head: 'R__owner_pet_counts', targetHead: 'R__owner_pet_counts' });
    expect(planDoc.staysApplied).toEqual([{ name: 'R__owner_pet_counts', note: expect.stringContaining('a Flyway repeatable: migrate re-applies it when its script changes') }]);
    const planText = await inDir(['plan', '--count', '1', ...fresh]);
    expect(planText.exitCode, planText.stderr).toBe(0);
    expect(planText.stdout).toContain('stays applied: R__owner_pet_counts — a Flyway repeatable');
    // --count past the versioned migrations: refused, the repeatable not counted; nothing changed.
    const tooMany = await inDir(['undo', '--count', '6', '--yes', '--json', ...fresh]);
    expect(tooMany.exitCode).toBe(2);
    expect(tooMany.json<ErrorDoc>().error.message).toContain('--count 6 is more than the 5 applied migrations undo can take back (R__owner_pet_counts is applied too, but undo leaves it applied');

    // undo --count 1: U3 runs (an UNDO_SQL row, as flyway undo writes it); the view and its row stay.
    const undo = await inDir(['undo', '--count', '1', '--yes', '--backup', 'tables', '--json', ...fresh]);
    expect(undo.exitCode, undo.stdout + undo.stderr).toBe(0);
    const undoDoc = undo.json<{ undone: string[]; verify: { ok: boolean; checks: Array<{ id: string; status: string; detail: string }> } }>();
    expect(undoDoc.undone).toEqual(['V3__owners_email']);
    expect(undoDoc.verify.ok).toBe(true);
    // The gate compares with the schema migrate recorded before V3, which predates the view: the view is expected as it stands.
    expect(undoDoc.verify.checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('except what migrations left applied made since: view public.owner_pet_counts added (view), made by R__owner_pet_counts, which stays applied'),
    });
    expect((await history(freshUrl)).slice(4)).toEqual(['5 3 SQL V3__owners_email.sql t', '6 - SQL R__owner_pet_counts.sql t', '7 - SQL R__owner_pet_counts.sql t', '8 3 UNDO_SQL U3__owners_email.sql t']);
    expect(await columnsOf(freshUrl, 'owners')).not.toContain('email');
    expect(await columnsOf(freshUrl, 'owner_pet_counts')).toEqual(['owner_id', 'last_name', 'pets', 'has_pets']);

    // verify: Flyway's schema version is 2.1 now, the repeatable after it aside; and without an expected head.
    const verify = await inDir(['verify', '--expect-head', '2.1', '--json', ...fresh]);
    expect(verify.exitCode, verify.stdout).toBe(0);
    const standalone = await inDir(['verify', '--json', ...fresh]);
    expect(standalone.exitCode, standalone.stdout).toBe(0);
    // Outside an undo the schema is compared with the record taken at the head before the repeatable was re-applied
    // (the head now names the repeatable): what it made since is expected, as after the undo.
    expect(standalone.json<{ checks: Array<{ id: string; status: string; detail: string }> }>().checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^the schema holds everything recorded at head V2_1__index_visits_pet \(before V3__owners_email, .*\); what migrations that stay applied made since \(expected\): view public\.owner_pet_counts added \(view\), made by R__owner_pet_counts, which stays applied$/),
    });

    // status: the repeatable's down is not "missing": it stays applied by design.
    const status = await inDir(['status', '--json', ...fresh]);
    expect(status.exitCode, status.stderr).toBe(0);
    const rep = status.json<{ migrations: Array<{ name: string; applied: boolean; down: string; staysApplied?: string; hasDown: boolean }> }>().migrations.find((m) => m.name === 'R__owner_pet_counts' && m.applied)!;
    expect(rep).toMatchObject({ down: 'missing', hasDown: false, staysApplied: expect.stringContaining('a Flyway repeatable') });
    const statusText = await inDir(['status', ...fresh]);
    expect(statusText.stdout).toMatch(/R__owner_pet_counts .*not undone \(a Flyway repeatable: migrate re-applies it when its script changes/);
    expect(statusText.stdout).not.toMatch(/R__owner_pet_counts .*NO \(missing\)/);

    // --to the version under the view: only the repeatable is after it, so nothing to undo, said so; nothing changed.
    const toTwo = await inDir(['undo', '--to', '2.1', '--yes', '--json', ...fresh]);
    expect(toTwo.exitCode).toBe(2);
    expect(toTwo.json<ErrorDoc>().error.message).toContain('nothing to undo: only R__owner_pet_counts is applied after the target, and undo leaves it applied');
    expect(await history(freshUrl)).toHaveLength(8);

    // V3 again, then the view comes to use its column: the plan says U3 would fail on the view that stays applied; the undo fails and changes nothing.
    expect((await inDir(['migrate', '--backup', 'never', '--json', ...fresh])).json<{ applied: string[] }>().applied).toEqual(['V3__owners_email']);
    await writeFile(view, (await readFile(view, 'utf8')).replace('count(p.id) > 0 AS has_pets', 'count(p.id) > 0 AS has_pets,\n       o.email'));
    expect((await inDir(['migrate', '--backup', 'never', '--json', ...fresh])).json<{ applied: string[] }>().applied).toEqual(['R__owner_pet_counts']);
    const usesEmail = await inDir(['plan', '--count', '1', '--json', ...fresh]);
    expect(usesEmail.exitCode, usesEmail.stderr).toBe(0);
    const usesDoc = usesEmail.json<PlanDoc & { migrations: Array<{ name: string; notes: string[] }> }>();
    expect(usesDoc.migrations.map((m) => m.name)).toEqual(['V3__owners_email']);
    expect(usesDoc.migrations[0]!.notes).toContain(
      "the down of V3__owners_email drops column public.owners.email, which view public.owner_pet_counts uses, and R__owner_pet_counts (which made the view) stays applied: PostgreSQL refuses that, so the down fails (with CASCADE it drops the view too); change R__owner_pet_counts's script so the view no longer uses it and migrate first",
    );
    const failing = await inDir(['undo', '--count', '1', '--yes', '--backup', 'tables', '--json', ...fresh]);
    expect(failing.exitCode, failing.stdout).toBe(1);
    expect(failing.json<ErrorDoc>().error.message).toContain('owner_pet_counts');
    expect(await history(freshUrl)).toHaveLength(10);
    expect(await columnsOf(freshUrl, 'owners')).toContain('email');
  }, 300_000);

  it('a history of repeatables only: plan and undo --count 1 refuse with what is wrong and what to do, and change nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-journey-clinic-ronly-'));
    await mkdir(path.join(dir, 'db'), { recursive: true });
    await writeFile(path.join(dir, 'db', 'R__greeting.sql'), "CREATE OR REPLACE VIEW greeting AS SELECT 'hello'::text AS word;\n");
    const { database } = await primary.createDatabase();
    const freshUrl = primary.url(database);
    const fresh = ['--migrations', 'db', '--migrator', 'flyway', '--database-url', freshUrl, '--storage', storage, '--json'];
    const inDir = (argv: string[]) => runBuiltCli(argv, { cwd: dir, env: { HOME: dir }, timeoutMs: 120_000 });
    expect((await inDir(['migrate', '--backup', 'never', ...fresh])).exitCode).toBe(0);
    expect(await history(freshUrl)).toEqual(['1 - SQL R__greeting.sql t']);
    for (const command of [['plan', '--count', '1'], ['undo', '--count', '1', '--yes']]) {
      const refused = await inDir([...command, ...fresh]);
      expect(refused.exitCode, command.join(' ')).toBe(2);
      const { error } = refused.json<ErrorDoc>();
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain('--count 1: nothing to undo: the only applied migration is R__greeting, which undo leaves applied (a Flyway repeatable');
      expect(error.hint).toContain('change its script and migrate again');
      expect(error.hint).toContain('Nothing was changed.');
    }
    expect(await history(freshUrl)).toEqual(['1 - SQL R__greeting.sql t']);
    expect(await one(freshUrl, 'SELECT word FROM greeting')).toBe('hello');
  });
});
