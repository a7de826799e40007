/**
 * The on-call journey on a TypeORM project: `migrations-fixtures/journey/atelier`,
 * a NestJS API for craft workshops laid out as such projects are: the
 * DataSource in `src/config/typeorm.config.ts`, named only by the package.json
 * script the team runs (`typeorm-ts-node-commonjs -d src/config/typeorm.config.ts`),
 * entities with decorators (`emitDecoratorMetadata` in tsconfig.json), and
 * migrations under `src/database/migrations` written from the shapes real
 * TypeORM histories have: generated ones (`CONSTRAINT "FK_…"`, `"REL_…"`,
 * `"public"."x_enum"` types, the enum change TypeORM generates — the type
 * renamed to `_old`, a new one created, the column moved onto it, the old one
 * dropped — and a column type change generated as DROP + ADD), hand-written
 * ones through the QueryRunner API (`createTable`, `addColumn(new
 * TableColumn(...))`, `createIndex`), a `transaction = false` CONCURRENTLY
 * index, a backfill, a down that drops more than its up made, and a purge
 * whose down is empty. Run from the project root as a new user runs it (no
 * --migrations, no --migrator): classify → status → migrate → plan → undo
 * (refused for rows its down would fail on, then done) → restore
 * --before-migration --tables → verify → drill, each answer checked against
 * the database and TypeORM's `migrations` table as TypeORM leaves them.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli, type CliRun } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { query } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const PROJECT = path.join(FIXTURES, 'journey', 'atelier');
const MIGRATIONS = path.join('src', 'database', 'migrations');

const M = {
  init: 'InitSchema1712045112000',
  slug: 'AddWorkshopSlug1712131512000',
  enrollment: 'CreateEnrollment1712390712000',
  phone: 'AddUserPhone1712563512000',
  index: 'IndexEnrollmentWorkshop1712822712000',
  waitlisted: 'EnrollmentStatusWaitlisted1713168312000',
  backfill: 'BackfillWorkshopSlug1713427512000',
  rename: 'RenameWorkshopDescription1713773112000',
  review: 'CreateReview1714032312000',
  legacy: 'DropUserLegacyPassword1714291512000',
  price: 'WorkshopPriceDecimal1714550712000',
  published: 'AddWorkshopPublishedAt1714809912000',
  purge: 'PurgeCancelledEnrollments1715069112000',
};
const ALL = Object.values(M);
const require = createRequire(import.meta.url);
const TYPEORM_CLI = require.resolve('typeorm/cli.js');
const TSC = require.resolve('typescript/bin/tsc');
const fileOf = (name: string): string => `${name.slice(-13)}-${name.slice(0, -13)}.ts`;

interface ClassifyDoc {
  files: Array<{
    path: string;
    compatibility: string;
    dataLoss: string;
    reversible: boolean | null;
    down: { kind: string; roundTrip?: string[] } | null;
    statements: Array<{ sql: string; findings: Array<{ rule: string }> }>;
    catalog?: { changes: Array<{ kind: string; object: string; change: string }>; disagreements: string[]; overruled?: Array<{ rule: string; why: string }> };
  }>;
}
interface ErrorDoc {
  error: { code: string; message: string; hint: string };
}
interface StatusDoc {
  head: string | null;
  migrations: Array<{ name: string; applied: boolean; down: string; tags?: string[]; restorePoint: { name: string } | null }>;
}
interface PlanDoc {
  type: string;
  reasons: string[];
  migrations: Array<{ name: string; reversible: boolean | null; atRisk: { rows: number; objects: Array<{ name: string; rows: number }> } | null }>;
  roundTrip: { ok: boolean | null; differences: Array<{ migration: string; message: string }> } | null;
}
interface DrillDoc {
  ok: boolean;
  scenarios: Array<{ name: string; status: string; detail: string; steps: Array<{ name: string; status: string; detail: string }>; facts: Record<string, unknown> }>;
}

const one = async (url: string, sql: string): Promise<string | null> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string | null;
/** TypeORM's `migrations` table as `typeorm migration:show` reads it: by id, the class's timestamp and name. */
const history = async (url: string) => (await query<{ r: string }>(url, "SELECT timestamp || ' ' || name AS r FROM migrations ORDER BY id")).map((row) => row.r);
/** What TypeORM's runner writes for these migrations, one row each, in order. */
const rowsFor = (names: readonly string[]) => names.map((n) => `${n.slice(-13)} ${n}`);
const enumLabels = (url: string, type: string) => one(url, `SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = '${type}'::regtype`);

/** The project's `npm run seed` (src/database/seeds/seed.ts), as SQL: artisans, customers, workshops, enrollments. */
async function seed(url: string): Promise<void> {
  await query(
    url,
    `INSERT INTO "user" ("email", "full_name", "role", "avatar_url", "legacy_password_hash") VALUES
       ('ines@atelier.test', 'Inès Marchand', 'artisan', 'https://cdn.atelier.test/a/ines.png', '$1$oldhash$ines'),
       ('tomas@atelier.test', 'Tomás Ruiz', 'artisan', NULL, '$1$oldhash$tomas'),
       ('mei@example.org', 'Mei Chen', 'customer', 'https://cdn.atelier.test/a/mei.png', NULL),
       ('olu@example.org', 'Olu Adeyemi', 'customer', NULL, '$1$oldhash$olu'),
       ('sara@example.org', 'Sara Lind', 'customer', NULL, NULL);
     INSERT INTO "workshop" ("title", "description", "price", "capacity", "starts_at", "artisan_id") VALUES
       ('Wheel Throwing for Beginners', 'Two hours at the wheel.', 45, 6, '2024-05-04 10:00+02', 1),
       ('Indigo Dyeing', 'Shibori folds and an indigo vat.', 60, 8, '2024-05-11 14:00+02', 1),
       ('Hand-Bound Notebooks', NULL, 35, 10, '2024-05-18 10:00+02', 2);
     INSERT INTO "enrollment" ("workshop_id", "user_id", "status", "seats") VALUES
       (1, 3, 'attended', 1), (1, 4, 'cancelled', 2), (2, 3, 'booked', 1), (2, 5, 'booked', 1), (3, 4, 'cancelled', 1), (3, 5, 'attended', 1);`,
  );
}

/**
 * The project as production runs it: built with its tsconfig (`nest build`), the typeorm CLI on the compiled
 * DataSource. Inside the repository, so `typeorm` resolves from its node_modules.
 */
async function buildProject(): Promise<string> {
  await mkdir(path.join(PROJECT_ROOT, '.tmp'), { recursive: true });
  const out = await mkdtemp(path.join(PROJECT_ROOT, '.tmp', 'journey-atelier-dist-'));
  const tsc = await execa(process.execPath, [TSC, '-p', path.join(PROJECT, 'tsconfig.json'), '--outDir', out, '--incremental', 'false'], { reject: false });
  expect(tsc.exitCode, tsc.stdout).toBe(0);
  await writeFile(path.join(out, 'package.json'), JSON.stringify({ type: 'commonjs' }));
  return out;
}

/** `typeorm migration:show -d dist/config/typeorm.config.js`: `[X] id Name` for each executed migration, `[ ] Name` for each pending one. */
async function typeormShow(dist: string, url: string): Promise<string[]> {
  // No colours: with CI set (as .ci/run sets it) TypeORM's CLI underlines each line with ANSI escapes.
  const show = await execa(process.execPath, [TYPEORM_CLI, 'migration:show', '-d', path.join(dist, 'config', 'typeorm.config.js')], { cwd: dist, env: { DATABASE_URL: url, FORCE_COLOR: '0', NO_COLOR: '1' }, reject: false });
  // migration:show exits 1 when migrations are pending; anything else (or no listing at all) is said in full.
  // eslint-disable-next-line no-control-regex
  const listed = show.stdout.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => /^\[[ X]\]/.test(l));
  expect(listed.length > 0 && (show.exitCode === 0 || show.exitCode === 1), `typeorm migration:show (exit ${show.exitCode}): ${show.stderr}\n${show.stdout}`).toBe(true);
  return listed;
}

describe('the journey on a TypeORM atelier project (NestJS layout), run from the project root', () => {
  let primary: Cluster;
  let url: string;
  let args: string[];
  // A capture cache of this run's own: what an earlier build captured is not this build's answer.
  let cacheDir: string;
  let dist: string;
  const run = (argv: string[], timeoutMs = 180_000): Promise<CliRun> => runBuiltCli(argv, { cwd: PROJECT, timeoutMs, env: { DBROLLBACK_CACHE_DIR: cacheDir } });

  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-journey-typeorm-cache-'));
    dist = await buildProject();
    // The package.json script's `-d` names the DataSource: no --migrations, no --migrator.
    ({ primary, url, args } = await journeyProduction('dbrollback-journey-typeorm-store-', []));
  });
  afterAll(async () => {
    await primary?.stop();
    await rm(cacheDir, { recursive: true, force: true });
    await rm(dist, { recursive: true, force: true });
  });

  it('classify, status, migrate, plan, undo of the enum change (refused for a row, then done), restore --before-migration --tables, verify: each answer as the database and the migrations table say', async () => {
    // classify: the entities load with their decorators (was: "Decorating class property failed", exit 1), the
    // DataSource found through package.json (was: "no migrations directory").
    const classify = await run(['classify', MIGRATIONS, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const files = classify.json<ClassifyDoc>().files;
    const file = (name: string) => files.find((f) => path.basename(f.path) === fileOf(name))!;
    expect(Object.fromEntries(files.map((f) => [path.basename(f.path), [f.compatibility, f.dataLoss, f.reversible, f.down?.kind ?? null]]))).toEqual({
      // Its down leaves the uuid-ossp extension its up created.
      [fileOf(M.init)]: ['additive', 'none', false, 'yes'],
      // A unique index on the column it adds, nullable, no default: the previous app writes NULL there (was: breaking).
      [fileOf(M.slug)]: ['additive', 'none', true, 'yes'],
      // queryRunner.dropTable leaves the enum type createTable made.
      [fileOf(M.enrollment)]: ['additive', 'none', false, 'yes'],
      // queryRunner.addColumn (was: reversible null, TypeORM's catalog reads taken for opaque statements).
      [fileOf(M.phone)]: ['additive', 'none', true, 'yes'],
      [fileOf(M.index)]: ['additive', 'none', true, 'yes'],
      // TypeORM's enum change: the name stays, a value is added, and the down rebuilds the type without it (was: breaking, not reversible).
      [fileOf(M.waitlisted)]: ['additive', 'none', true, 'yes'],
      [fileOf(M.backfill)]: ['breaking', 'rewrite', false, 'yes'],
      [fileOf(M.rename)]: ['breaking', 'none', true, 'yes'],
      // Its down also drops user.avatar_url.
      [fileOf(M.review)]: ['additive', 'none', false, 'yes'],
      [fileOf(M.legacy)]: ['breaking', 'destructive', false, 'yes'],
      // A type change generated as DROP COLUMN + ADD: every price is lost.
      [fileOf(M.price)]: ['breaking', 'destructive', false, 'yes'],
      [fileOf(M.published)]: ['additive', 'none', true, 'yes'],
      [fileOf(M.purge)]: ['additive', 'destructive', false, 'empty'],
    });
    expect(file(M.init).down!.roundTrip).toEqual([`down of ${M.init} leaves extension uuid-ossp, which did not exist before ${M.init}`]);
    expect(file(M.enrollment).down!.roundTrip).toEqual([`down of ${M.enrollment} leaves enum public.enrollment_status_enum, which did not exist before ${M.enrollment}`]);
    expect(file(M.review).down!.roundTrip).toEqual([`down of ${M.review} drops column public.user.avatar_url, which existed before ${M.review}`]);
    // The migration's own SQL only: not the information_schema and pg_catalog reads queryRunner.addColumn makes first.
    expect(file(M.phone).statements.map((s) => s.sql)).toEqual(['ALTER TABLE "user" ADD "phone" varchar(32)']);
    expect(file(M.published).statements.map((s) => s.sql.split(' (')[0])).toEqual(['ALTER TABLE "workshop" ADD "published_at" timestamptz', 'ALTER TABLE "workshop" ADD "tags" text array NOT NULL DEFAULT \'{}\'', 'CREATE INDEX "IDX_workshop_published_at" ON "workshop"']);
    expect(files.flatMap((f) => f.statements.flatMap((s) => s.findings.map((x) => x.rule)))).not.toContain('opaque-statement');
    const rules = (name: string) => file(name).statements.flatMap((s) => s.findings.map((f) => f.rule));
    expect(rules(M.waitlisted)).not.toContain('rename-object');
    expect(rules(M.waitlisted)).not.toContain('drop-type');
    expect(rules(M.waitlisted)).toContain('change-column-type');
    expect(rules(M.price)).toContain('drop-column');
    // The catalog sees the price dropped and added again under its name (another attnum), not a widening of it (was:
    // "altered type integer → numeric(10,2)", and a disagreement suggesting the type change "turned out to be a widening").
    expect(file(M.price).catalog!.changes.filter((c) => c.kind === 'column').map((c) => `${c.change} ${c.object}`)).toEqual(['removed public.workshop.price', 'added public.workshop.price']);
    expect(file(M.price).catalog!.disagreements).toEqual([]);
    expect(rules(M.slug)).not.toContain('create-unique-index');

    // status from the project root: TypeORM's class names, in its order.
    const fresh = await run(['status', '--json', ...args]);
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.json<StatusDoc>().migrations.map((m) => [m.name, m.applied, m.down])).toEqual(ALL.map((n) => [n, false, n === M.purge ? 'empty' : 'yes']));
    // The names a TypeORM user also types: the file's (as `typeorm migration:create` printed it) and the timestamp.
    expect(fresh.json<StatusDoc>().migrations.find((m) => m.name === M.waitlisted)!.tags).toEqual(['1713168312000-EnrollmentStatusWaitlisted', '1713168312000']);

    // migrate to the enrollments by the file's name (was: "no pending migration has that name"), the project's seed,
    // then on to the enum change.
    const first = await run(['migrate', '--to', '1712390712000-CreateEnrollment', '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json<{ applied: string[] }>().applied).toEqual([M.init, M.slug, M.enrollment]);
    expect(await history(url)).toEqual(rowsFor(ALL.slice(0, 3)));
    await seed(url);
    const second = await run(['migrate', '--to', M.waitlisted, '--json', ...args]);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json<{ applied: string[] }>().applied).toEqual([M.phone, M.index, M.waitlisted]);
    expect(await enumLabels(url, 'enrollment_status_enum')).toBe('booked,waitlisted,cancelled,attended');
    expect(await one(url, "SELECT indisvalid::text FROM pg_index WHERE indexrelid = '\"IDX_enrollment_workshop_id\"'::regclass")).toBe('true');
    expect(await history(url)).toEqual(rowsFor(ALL.slice(0, 6)));

    // plan --count 1: the schema may stay (the old app runs on it); undo is possible: the down's round trip is clean (was: "drops enum public.enrollment_status_enum, which
    // existed before", its RENAME TO back unseen) and moving the labels onto the rebuilt type destroys none (was: every
    // status counted at risk, undo refused for data loss).
    const plan = await run(['plan', '--count', '1', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const p1 = plan.json<PlanDoc>();
    expect(p1.type).toBe('schema-stays');
    expect(p1.roundTrip).toMatchObject({ ok: true, differences: [] });
    expect(p1.migrations[0]!.atRisk!.objects).toEqual([]);

    // A customer is waitlisted: the down's cast would fail on that row, so undo refuses before touching anything.
    await query(url, "INSERT INTO enrollment (workshop_id, user_id, status) VALUES (1, 5, 'waitlisted')");
    const blocked = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(blocked.exitCode).toBe(4);
    expect(blocked.json<ErrorDoc>().error).toMatchObject({ code: 'DOWN_WOULD_FAIL', message: expect.stringContaining("1 row of public.enrollment holds a value the new type does not have (status = 'waitlisted')") });
    expect(await history(url)).toHaveLength(6);
    await query(url, "DELETE FROM enrollment WHERE status = 'waitlisted'");
    const undo = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const undoDoc = undo.json<{ undone: string[]; verify: { ok: boolean } }>();
    expect(undoDoc.undone).toEqual([M.waitlisted]);
    expect(undoDoc.verify.ok).toBe(true);
    // As `typeorm migration:revert` leaves it: the last row gone, the type back with its three labels, no _old type.
    expect(await history(url)).toEqual(rowsFor(ALL.slice(0, 5)));
    expect(await enumLabels(url, 'enrollment_status_enum')).toBe('booked,cancelled,attended');
    expect(await one(url, "SELECT count(*)::text FROM pg_type WHERE typname = 'enrollment_status_enum_old'")).toBe('0');
    expect(await one(url, "SELECT string_agg(status::text, ',' ORDER BY id) FROM enrollment")).toBe('attended,cancelled,booked,booked,cancelled,attended');
    // TypeORM's own CLI, on the project as built for production, reads the same history.
    expect(await typeormShow(dist, url)).toEqual([...ALL.slice(0, 5).map((n, i) => `[X] ${i + 1} ${n}`), ...ALL.slice(5).map((n) => `[ ] ${n}`)]);

    // The rest of the release; the purge deletes the cancelled enrollments.
    const rest = await run(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.json<{ applied: string[] }>().applied).toEqual(ALL.slice(5));
    expect(await history(url)).toEqual(rowsFor(ALL));
    expect(await one(url, 'SELECT count(*)::text FROM enrollment')).toBe('4');
    const status = (await run(['status', '--json', ...args])).json<StatusDoc>();
    expect(status.head).toBe(M.purge);
    expect(status.migrations.every((m) => m.applied && m.restorePoint !== null)).toBe(true);

    // The purge's down is empty: plan says restore, and undo refuses it.
    const purgePlan = (await run(['plan', '--count', '1', '--json', ...args])).json<PlanDoc>();
    expect(purgePlan.type).toBe('restore');
    const refused = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorDoc>().error.code).toBe('IRREVERSIBLE');
    expect(await history(url)).toHaveLength(13);

    // restore --before-migration of the purge (by its timestamp), only enrollment: the cancelled ones beside the live table.
    const restore = await run(['restore', '--before-migration', '1715069112000', '--tables', 'public.enrollment', '--into-database', url, '--json', ...args], 300_000);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const doc = restore.json<{ beforeMigration: { kind: string; migration: string }; tables: Array<{ table: string; now: string; rows: number; matches: boolean }> }>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'restore-point', migration: M.purge });
    expect(doc.tables).toEqual([expect.objectContaining({ table: 'public.enrollment', rows: 6, matches: true })]);
    expect(await one(url, `SELECT count(*)::text FROM ${doc.tables[0]!.now} WHERE status = 'cancelled'`)).toBe('2');

    // verify: traffic may return at the head; TypeORM's table untouched by the restore.
    const verify = await run(['verify', '--expect-head', '1715069112000-PurgeCancelledEnrollments', '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);
    expect(await history(url)).toEqual(rowsFor(ALL));
    expect(await typeormShow(dist, url)).toEqual(ALL.map((n, i) => `[X] ${i + 1 + (i >= 5 ? 1 : 0)} ${n}`));
  }, 900_000);

  it('a project whose scripts run typeorm on the compiled data source, not built yet: the error names that file and says to build first', async () => {
    await mkdir(path.join(PROJECT_ROOT, '.tmp'), { recursive: true });
    const unbuilt = await mkdtemp(path.join(PROJECT_ROOT, '.tmp', 'journey-atelier-unbuilt-'));
    try {
      await writeFile(path.join(unbuilt, 'package.json'), JSON.stringify({ scripts: { 'migration:run': 'typeorm migration:run -d dist/config/typeorm.config.js' } }));
      const status = await runBuiltCli(['status', '--migrator', 'typeorm', '--json', ...args], { cwd: unbuilt, env: { DBROLLBACK_CACHE_DIR: cacheDir } });
      expect(status.exitCode).toBe(2);
      const { error } = status.json<ErrorDoc>();
      expect(error.code).toBe('CONFIG_INVALID');
      // Was: only "looked for data-source.ts/.js and the like", the file the project names unmentioned.
      expect(error.message).toContain(`package.json's scripts name ${path.join('dist', 'config', 'typeorm.config.js')}, which does not exist`);
      expect(error.hint).toMatch(/^Build the project first/);
    } finally {
      await rm(unbuilt, { recursive: true, force: true });
    }
  });

  it('drill all --provider local: the downs that do not round-trip are found, the empty one is the restore\'s, pitr recovers production', async () => {
    const drill = await run(['drill', 'all', '--keep-going', '--provider', 'local', '--json', ...args], 600_000);
    expect(drill.exitCode, drill.stderr).toBe(3);
    const doc = drill.json<DrillDoc>();
    const walk = doc.scenarios.find((s) => s.name === 'migrations')!;
    expect(walk.status).toBe('fail');
    const step = (name: string) => walk.steps.find((s) => s.name === name)!;
    // The enum change is rehearsed, not skipped as "irreversible by nature": its up rebuilt the type, its down rebuilds it back.
    expect(walk.facts, JSON.stringify(walk.steps, null, 1)).toMatchObject({ migrator: 'typeorm', migrations: 13, withoutDown: [M.purge], failures: [`down ${M.review}`, `down ${M.enrollment}`, `down ${M.init}`] });
    expect(step(`down ${M.review}`).detail).toContain('column public.user.avatar_url removed');
    expect(step(`down ${M.enrollment}`).detail).toContain('enum public.enrollment_status_enum added');
    expect(step(`down ${M.waitlisted}`).status).toBe('pass');
    expect(step(`down ${M.index}`).status).toBe('pass');
    expect(step(`down ${M.review}`).status).toBe('fail');
    expect(step(`down ${M.purge}`).status).toBe('skip');
    expect(doc.scenarios.find((s) => s.name === 'pitr')!.status).toBe('pass');
    expect(await history(url)).toHaveLength(13);
  }, 900_000);
});
