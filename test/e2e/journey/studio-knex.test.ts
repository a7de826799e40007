/**
 * The on-call journey on a Knex project: `migrations-fixtures/journey/studio`,
 * a fitness studio's API laid out as `knex init` leaves one (a knexfile.js
 * with one config per environment, `db/migrations`, `db/seeds`), written
 * from the shapes real Knex histories have: increments and
 * timestamps(true, true), foreign keys with onDelete, native enums
 * (useNative + enumName) whose down forgets the type or drops it by raw SQL,
 * knex.raw functions and triggers, CONCURRENTLY under
 * `exports.config = { transaction: false }`, an enum value added with an
 * empty `async () => {}` down, `.alter()` type and NOT NULL changes (which
 * restate the column: the default goes), a backfill, a dropped column, a
 * down that drops more than its up made, and TypeScript migrations beside
 * the JavaScript ones. Run from the project root as a new user runs it (the
 * knexfile found there, no --migrations): classify → status → migrate (by
 * Knex's timestamp and by the file name without extension) with the
 * project's own `knex seed:run` in between → plan → undo (done, refused for
 * data loss, for its round trip, for an empty down; --dry-run exiting as the
 * real run would) → restore --before-migration --tables → verify → drill all
 * --provider local --seed (the project's seed file), each answer checked
 * against the database and knex_migrations as Knex would leave them.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli, suggested, type CliRun } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { query } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const PROJECT = path.join(FIXTURES, 'journey', 'studio');
const MIGRATIONS = path.join('db', 'migrations');
const KNEX_CLI = createRequire(import.meta.url).resolve('knex/bin/cli.js');

const M = {
  members: '20240105093000_create_members_and_instructors.js',
  classes: '20240105093500_create_classes.js',
  bookings: '20240112110000_create_bookings.js',
  triggers: '20240112113000_updated_at_triggers.js',
  index: '20240120080000_index_bookings_class_id.js',
  waitlisted: '20240201090000_booking_status_waitlisted.js',
  capacity: '20240210100000_classes_capacity_smallint.js',
  phone: '20240218120000_members_phone_required.js',
  legacy: '20240301090000_drop_members_legacy_id.js',
  waitlist: '20240312100000_create_waitlist_entries.ts',
  payments: '20240320120000_create_payments.ts',
};
const ALL = Object.values(M);

interface ClassifyDoc {
  files: Array<{
    path: string;
    compatibility: string;
    dataLoss: string;
    reversible: boolean | null;
    down: { kind: string; roundTrip?: string[] } | null;
    statements: Array<{ sql: string; findings: Array<{ rule: string }> }>;
    catalog?: { overruled?: Array<{ rule: string; why: string }> };
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
  migrations: Array<{ name: string; reversible: boolean | null; atRisk: { rows: number; objects: Array<{ name: string; rows: number; derived?: { rows: number } }> } }>;
  roundTrip: { ok: boolean | null; differences: Array<{ migration: string; message: string }> } | null;
}
interface DrillDoc {
  ok: boolean;
  scenarios: Array<{ name: string; status: string; detail: string; steps: Array<{ name: string; status: string; detail: string }>; facts: Record<string, unknown> }>;
}

const one = async (url: string, sql: string): Promise<string | null> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string | null;
/** knex_migrations as `knex migrate:list` reads it: name and batch, by id. */
const history = async (url: string) => (await query<{ r: string }>(url, "SELECT name || ' ' || batch AS r FROM knex_migrations ORDER BY id")).map((row) => row.r);
const tablesOf = async (url: string) =>
  (await query<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_migrations%' ORDER BY 1")).map((r) => r.t);
const columnsOf = async (url: string, table: string) =>
  (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.c);

/** The project's own `knex seed:run` (its knexfile reads DATABASE_URL), as the team runs it. */
async function knexSeedRun(url: string, cwd = PROJECT): Promise<void> {
  const run = await execa(process.execPath, [KNEX_CLI, 'seed:run'], { cwd, env: { DATABASE_URL: url, NODE_ENV: 'development' }, reject: false });
  expect(run.exitCode, run.stderr).toBe(0);
}

describe('the journey on a Knex studio project, run from the project root', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];
  // On call, against production: knex (and dbrollback) pick the knexfile's config by NODE_ENV.
  const run = (argv: string[], timeoutMs = 180_000, cwd = PROJECT): Promise<CliRun> => runBuiltCli(argv, { cwd, timeoutMs, env: { NODE_ENV: 'production' } });

  beforeAll(async () => {
    // The knexfile in the working directory is the project's word: no --migrations, no --migrator.
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-knex-store-', []));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify, status, migrate with the seed between, plan, undo (done and refused three ways), restore --before-migration --tables, verify: each answer as the database and knex_migrations say', async () => {
    // classify the migrations directory: captured by running them through Knex in a scratch database, ups and downs.
    const classify = await run(['classify', MIGRATIONS, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const files = classify.json<ClassifyDoc>().files;
    const file = (name: string) => files.find((f) => path.basename(f.path) === name)!;
    expect(Object.fromEntries(files.map((f) => [path.basename(f.path), [f.compatibility, f.dataLoss, f.reversible, f.down?.kind ?? null]]))).toEqual({
      [M.members]: ['additive', 'none', true, 'yes'],
      // Its down drops the table and forgets the enum type (was: reversible).
      [M.classes]: ['additive', 'none', false, 'yes'],
      [M.bookings]: ['additive', 'none', true, 'yes'],
      [M.triggers]: ['additive', 'none', true, 'yes'],
      [M.index]: ['additive', 'none', true, 'yes'],
      [M.waitlisted]: ['additive', 'none', false, 'empty'],
      // An integer narrowed through a plain cast: every value fit, or the migration would have failed (was: rewrite, irreversible).
      [M.capacity]: ['breaking', 'none', true, 'yes'],
      [M.phone]: ['breaking', 'rewrite', false, 'yes'],
      [M.legacy]: ['breaking', 'destructive', false, 'yes'],
      // Its down also drops classes.description (was: reversible).
      [M.waitlist]: ['additive', 'none', false, 'yes'],
      [M.payments]: ['additive', 'none', true, 'yes'],
    });
    expect(file(M.classes).down!.roundTrip).toEqual([`down of ${M.classes} leaves enum public.class_level, which did not exist before ${M.classes}`]);
    expect(file(M.waitlist).down!.roundTrip).toEqual([`down of ${M.waitlist} drops column public.classes.description, which existed before ${M.waitlist}`]);
    const rules = (name: string) => file(name).statements.flatMap((s) => s.findings.map((f) => f.rule));
    expect(rules(M.waitlisted)).toContain('enum-add-value');
    // .alter() restated capacity without its default: the previous app's inserts that omit it now fail.
    expect(rules(M.capacity)).toEqual(expect.arrayContaining(['drop-default', 'change-column-type', 'narrowing-column-type']));
    expect(rules(M.phone)).toEqual(expect.arrayContaining(['update-rows', 'set-not-null']));
    // The phone's `.alter()` restates varchar(255) as varchar(255): no value rewritten by that, NOT NULL not dropped (was: both reported).
    expect(rules(M.phone)).not.toContain('drop-not-null');
    expect(file(M.phone).catalog!.overruled!.map((o) => o.rule).sort()).toEqual(['change-column-type', 'drop-default', 'drop-not-null', 'lossy-type-change', 'narrowing-column-type']);
    expect(file(M.index).statements[0]!.sql).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_class_id_index');

    // status from the project root: the knexfile names the directory and the table; the other names --to takes are tags.
    const fresh = await run(['status', '--json', ...args]);
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    const pending = fresh.json<StatusDoc>().migrations;
    expect(pending.map((m) => [m.name, m.applied, m.down])).toEqual(ALL.map((n) => [n, false, n === M.waitlisted ? 'empty' : 'yes']));
    expect(pending.find((m) => m.name === M.waitlist)!.tags).toEqual(['20240312100000_create_waitlist_entries', '20240312100000']);

    // migrate --to Knex's timestamp (was: "no pending migration has that name"), then the project's own seed run.
    const first = await run(['migrate', '--to', '20240112110000', '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json<{ applied: string[] }>().applied).toEqual([M.members, M.classes, M.bookings]);
    expect(await history(url)).toEqual([`${M.members} 1`, `${M.classes} 2`, `${M.bookings} 3`]);
    expect(await one(url, 'SELECT is_locked::text FROM knex_migrations_lock')).toBe('0');
    await knexSeedRun(url);
    expect(await one(url, 'SELECT count(*)::text FROM bookings')).toBe('7');
    const membersBefore = await query<{ id: number; phone: string | null; legacy_id: number | null }>(url, 'SELECT id, phone, legacy_id FROM members ORDER BY id');
    expect(membersBefore.filter((m) => m.phone === null)).toHaveLength(3);

    // migrate --to the file name without its extension (as `knex migrate:make` printed it): up to the phone backfill.
    const toPhone = await run(['migrate', '--to', '20240218120000_members_phone_required', '--json', ...args]);
    expect(toPhone.exitCode, toPhone.stderr).toBe(0);
    expect(toPhone.json<{ applied: string[] }>().applied).toEqual([M.triggers, M.index, M.waitlisted, M.capacity, M.phone]);
    expect(await one(url, "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'bookings_class_id_index'::regclass")).toBe('true');
    expect(await one(url, "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'booking_status'::regtype")).toBe('booked,waitlisted,cancelled,attended');
    expect(await one(url, "SELECT data_type || ' ' || coalesce(column_default, 'no default') FROM information_schema.columns WHERE table_name = 'classes' AND column_name = 'capacity'")).toBe('smallint no default');
    expect(await one(url, "SELECT string_agg(id::text, ',' ORDER BY id) FROM members WHERE phone = 'unknown'")).toBe('2,4,6');
    // The app writes on: a member signs up, then the rest of the release.
    await query(url, "INSERT INTO members (email, full_name, phone) VALUES ('gus@example.org', 'Gus Lind', '+46 70 123 45 67')");
    const rest = await run(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.json<{ applied: string[] }>().applied).toEqual([M.legacy, M.waitlist, M.payments]);
    expect(await columnsOf(url, 'members')).not.toContain('legacy_id');
    expect(await one(url, "SELECT string_agg(booking_id || ' ' || amount || ' ' || currency, ',' ORDER BY id) FROM payments")).toBe('1 15.00 EUR,2 15.00 EUR,5 15.00 EUR');
    // One migration per Knex run, each its own batch (as `knex migrate:up` records it), each with a restore point before it.
    expect(await history(url)).toEqual(ALL.map((n, i) => `${n} ${i + 1}`));
    const status = (await run(['status', '--json', ...args])).json<StatusDoc>();
    expect(status.head).toBe(M.payments);
    expect(status.migrations.every((m) => m.applied && m.restorePoint !== null)).toBe(true);
    // The deploy's gate names the head by its timestamp.
    expect((await run(['verify', '--expect-head', '20240320120000', '--json', ...args])).exitCode).toBe(0);

    // plan --count 1: the backfilled payments are what the down destroys, all of it derived.
    const plan1 = await run(['plan', '--count', '1', '--json', ...args]);
    expect(plan1.exitCode, plan1.stderr).toBe(0);
    const p1 = plan1.json<PlanDoc>();
    expect(p1.type).toBe('schema-stays');
    expect(p1.migrations[0]!.atRisk.objects.map((o) => [o.name, o.rows, o.derived?.rows ?? 0])).toEqual([['public.payments', 3, 3]]);
    expect(p1.roundTrip).toMatchObject({ ok: true, differences: [] });
    // --count 2: the waitlist's down drops a column its up did not make: the round trip names it.
    const p2 = (await run(['plan', '--count', '2', '--json', ...args])).json<PlanDoc>();
    expect(p2.migrations.map((m) => [m.name, m.reversible])).toEqual([[M.payments, true], [M.waitlist, false]]);
    expect(p2.roundTrip!.differences.map((d) => d.message)).toEqual([`down of ${M.waitlist} drops column public.classes.description, which existed before ${M.waitlist}`]);
    expect(p2.migrations[1]!.atRisk.objects.map((o) => [o.name, o.rows])).toEqual([['public.waitlist_entries', 0], ['public.classes.room', 0], ['public.classes.description', 2]]);
    // --count 3: over the dropped column, the way back is a restore.
    const p3 = (await run(['plan', '--count', '3', '--json', ...args])).json<PlanDoc>();
    expect(p3.type).toBe('restore');
    expect(p3.reasons[0]).toContain(M.legacy);

    // undo --count 1: the studio recorded a payment by hand since — refused without --accept-data-loss; its dry run exits as it would.
    await query(url, 'INSERT INTO payments (booking_id, amount) VALUES (3, 22.50)');
    const refused = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorDoc>().error).toMatchObject({ code: 'DATA_LOSS_REFUSED', message: expect.stringContaining(`${M.payments}: drop-table public.payments (4 rows, 3 of them derived)`) });
    expect((await run(['undo', '--count', '1', '--dry-run', ...args])).exitCode).toBe(4);
    expect((await run(['undo', '--count', '1', '--dry-run', '--accept-data-loss', ...args])).exitCode).toBe(0);
    expect(await history(url)).toHaveLength(11);
    const undo = await run(['undo', '--count', '1', '--yes', '--accept-data-loss', '--json', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const undoDoc = undo.json<{ undone: string[]; backupId: string | null; verify: { ok: boolean } }>();
    expect(undoDoc.undone).toEqual([M.payments]);
    expect(undoDoc.backupId).not.toBeNull();
    expect(undoDoc.verify.ok).toBe(true);
    expect(await history(url)).toEqual(ALL.slice(0, 10).map((n, i) => `${n} ${i + 1}`));
    expect(await tablesOf(url)).toEqual(['bookings', 'classes', 'instructors', 'members', 'waitlist_entries']);
    expect(await one(url, 'SELECT is_locked::text FROM knex_migrations_lock')).toBe('0');

    // undo the waitlist: refused for its round trip, even with --accept-data-loss; classes.description kept.
    for (const extra of [[], ['--accept-data-loss']]) {
      const roundTrip = await run(['undo', '--count', '1', '--yes', '--json', ...extra, ...args]);
      expect(roundTrip.exitCode).toBe(4);
      const { error } = roundTrip.json<ErrorDoc>();
      expect(error.code).toBe('SCHEMA_ROUND_TRIP');
      expect(error.message).toContain(`down of ${M.waitlist} drops column public.classes.description`);
      expect(error.hint).toContain('--accept-schema-difference');
    }
    expect((await run(['undo', '--count', '1', '--dry-run', ...args])).exitCode).toBe(4);
    expect(await columnsOf(url, 'classes')).toContain('description');
    expect(await history(url)).toHaveLength(10);

    // restore --before-migration by the timestamp: members as they were before the placeholders, beside the live table.
    const restore = await run(['restore', '--before-migration', '20240218120000', '--tables', 'public.members', '--into-database', url, '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const doc = restore.json<{ beforeMigration: { kind: string; migration: string }; tables: Array<{ table: string; now: string; rows: number; matches: boolean }> }>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'restore-point', migration: M.phone });
    expect(doc.tables).toEqual([expect.objectContaining({ table: 'public.members', rows: 6, matches: true })]);
    expect(await query(url, `SELECT id, phone, legacy_id FROM ${doc.tables[0]!.now} ORDER BY id`)).toEqual(membersBefore);
    expect(await one(url, 'SELECT count(*)::text FROM public.members')).toBe('7');

    // verify: traffic may return at the waitlist head; knex_migrations untouched by the restore.
    const verify = await run(['verify', '--expect-head', '20240312100000_create_waitlist_entries', '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);
    expect(await history(url)).toHaveLength(10);
  }, 900_000);

  it('the CONCURRENTLY index is undone outside a transaction (exports.config); the enum value\'s empty down is refused at once, its hint naming no --to when it is the head', async () => {
    const { database } = await primary.createDatabase();
    const freshUrl = primary.url(database);
    const fresh = ['--database-url', freshUrl, '--storage', storage];
    expect((await run(['migrate', '--to', '20240120080000', '--backup', 'never', ...fresh])).exitCode).toBe(0);
    const undo = await run(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(undo.json<{ undone: string[] }>().undone).toEqual([M.index]);
    expect(await one(freshUrl, "SELECT count(*)::text FROM pg_indexes WHERE indexname = 'bookings_class_id_index'")).toBe('0');
    expect(await history(freshUrl)).toEqual(ALL.slice(0, 4).map((n, i) => `${n} ${i + 1}`));

    expect((await run(['migrate', '--to', M.waitlisted, '--backup', 'never', ...fresh])).exitCode).toBe(0);
    const empty = await run(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(empty.exitCode).toBe(4);
    const doc = empty.json<ErrorDoc & { backup: unknown }>();
    expect(doc.error.code).toBe('IRREVERSIBLE');
    expect(doc.error.message).toContain(`${M.waitlisted} (empty: its down does nothing`);
    // Was: "only the migrations after it (--to NAME)" — there are none after the head.
    expect(doc.error.hint).not.toContain('--to');
    expect(doc.error.hint).toContain(`${suggested(fresh)} restore --before-migration ${M.waitlisted} --data-dir DIR`);
    expect(doc.backup).toBeNull();
    expect((await run(['undo', '--count', '1', '--dry-run', ...fresh])).exitCode).toBe(4);
    expect(await history(freshUrl)).toHaveLength(6);

    // The release's gate: --fail-on breaking stops at the .alter() that drops capacity's default. The line named is the
    // captured SQL's, and the hint offers no `-- dbrollback-ignore` comment a .js migration has no place for.
    const gated = await run(['migrate', '--fail-on', 'breaking', '--json', ...fresh]);
    expect(gated.exitCode).toBe(4);
    const gate = gated.json<ErrorDoc>().error;
    expect(gate.code).toBe('CLASSIFY_FAIL_ON');
    expect(gate.message).toContain(`${M.capacity} (${path.join(PROJECT, MIGRATIONS, M.capacity)}; line 1 of the SQL knex sent for it): alter table "classes" alter column "capacity" drop default`);
    expect(gate.hint).toContain('run without --fail-on: the SQL a code migration sends (knex) has no place for a `-- dbrollback-ignore <rule-id>` comment');
    expect(await history(freshUrl)).toHaveLength(6);
    const lint = await run(['classify', path.join(MIGRATIONS, M.capacity), '--fail-on', 'breaking', '--json']);
    expect(lint.exitCode).toBe(4);
    expect(lint.json<ErrorDoc>().error.hint).toContain('(knex) has no place for a `-- dbrollback-ignore <rule-id>` comment');

    // Applied anyway, the type change is breaking but reversible: plan says undo, and undo gives capacity back its type and default.
    expect((await run(['migrate', '--to', M.capacity, '--backup', 'never', ...fresh])).exitCode).toBe(0);
    const capacity = "SELECT data_type || ' ' || coalesce(column_default, 'no default') FROM information_schema.columns WHERE table_name = 'classes' AND column_name = 'capacity'";
    expect(await one(freshUrl, capacity)).toBe('smallint no default');
    const typePlan = (await run(['plan', '--count', '1', '--json', ...fresh])).json<PlanDoc>();
    expect(typePlan.type).toBe('undo');
    expect(typePlan.roundTrip).toMatchObject({ ok: true, differences: [] });
    const typeUndo = await run(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(typeUndo.exitCode, typeUndo.stderr).toBe(0);
    expect(typeUndo.json<{ undone: string[] }>().undone).toEqual([M.capacity]);
    expect(await one(freshUrl, capacity)).toBe('integer 12');
    expect(await history(freshUrl)).toHaveLength(6);
  }, 300_000);

  it('a NOT NULL column without a default on a filled table: classify says so; migrate fails inside Knex\'s transaction, knex_migrations and its lock as they were', async () => {
    // A copy inside the repository (the project's knex resolves from its node_modules), with the release's new migration.
    await mkdir(path.join(PROJECT_ROOT, '.tmp'), { recursive: true });
    const broken = await mkdtemp(path.join(PROJECT_ROOT, '.tmp', 'journey-studio-'));
    try {
      await cp(PROJECT, broken, { recursive: true });
      const added = '20240401090000_members_birth_date.js';
      await writeFile(path.join(broken, MIGRATIONS, added), "exports.up = (knex) => knex.schema.alterTable('members', (table) => { table.date('birth_date').notNullable(); });\nexports.down = (knex) => knex.schema.alterTable('members', (table) => { table.dropColumn('birth_date'); });\n");
      const classify = await run(['classify', path.join(MIGRATIONS, added), '--json'], 180_000, broken);
      expect(classify.exitCode, classify.stderr).toBe(0);
      const verdict = classify.json<ClassifyDoc>().files[0]!;
      expect(verdict.compatibility).toBe('breaking');
      expect(verdict.statements.flatMap((s) => s.findings.map((f) => f.rule))).toContain('adding-required-field');

      const { database } = await primary.createDatabase();
      const freshUrl = primary.url(database);
      const fresh = ['--database-url', freshUrl, '--storage', storage, '--backup', 'never', '--json'];
      expect((await run(['migrate', '--to', '20240112110000', ...fresh], 180_000, broken)).exitCode).toBe(0);
      await knexSeedRun(freshUrl, broken);
      expect((await run(['migrate', '--to', M.payments, ...fresh], 180_000, broken)).exitCode).toBe(0);
      const failed = await run(['migrate', ...fresh], 180_000, broken);
      expect(failed.exitCode).toBe(1);
      const { error } = failed.json<ErrorDoc>();
      expect(error.code).toBe('MIGRATION_FAILED');
      expect(error.message).toContain('column "birth_date" of relation "members" contains null values');
      expect(await history(freshUrl)).toHaveLength(11);
      expect(await columnsOf(freshUrl, 'members')).not.toContain('birth_date');
      expect(await one(freshUrl, 'SELECT is_locked::text FROM knex_migrations_lock')).toBe('0');
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  }, 600_000);

  it('a down that deletes the enum value from pg_enum itself (transaction: false): the plan is a restore and undo refuses it, the rows holding the value still readable (was: undone "ok", the table unreadable: "invalid internal value for enum")', async () => {
    await mkdir(path.join(PROJECT_ROOT, '.tmp'), { recursive: true });
    const copy = await mkdtemp(path.join(PROJECT_ROOT, '.tmp', 'journey-studio-'));
    try {
      await cp(PROJECT, copy, { recursive: true });
      const added = '20240405090000_class_level_all_levels.js';
      await writeFile(
        path.join(copy, MIGRATIONS, added),
        [
          'exports.config = { transaction: false };',
          "exports.up = (knex) => knex.raw(\"ALTER TYPE class_level ADD VALUE 'all_levels'\");",
          "exports.down = (knex) => knex.raw(\"DELETE FROM pg_enum WHERE enumlabel = 'all_levels' AND enumtypid = (SELECT oid FROM pg_type WHERE typname = 'class_level')\");",
          '',
        ].join('\n'),
      );
      const { database } = await primary.createDatabase();
      const freshUrl = primary.url(database);
      const fresh = ['--database-url', freshUrl, '--storage', storage, '--json'];
      expect((await run(['migrate', '--to', '20240112110000', '--backup', 'never', ...fresh], 180_000, copy)).exitCode).toBe(0);
      await knexSeedRun(freshUrl, copy);
      expect((await run(['migrate', '--backup', 'never', ...fresh], 180_000, copy)).exitCode).toBe(0);
      await query(freshUrl, "UPDATE classes SET level = 'all_levels' WHERE id = 3");

      const plan = (await run(['plan', '--count', '1', ...fresh], 180_000, copy)).json<PlanDoc & { migrations: Array<{ downWritesCatalog?: string[] }> }>();
      expect(plan.type).toBe('restore');
      expect(plan.migrations[0]!.downWritesCatalog).toEqual(['DELETE FROM pg_catalog.pg_enum']);
      expect(plan.reasons[0]).toContain(`${added}'s down writes the system catalog directly (DELETE FROM pg_catalog.pg_enum)`);
      for (const extra of [[], ['--accept-data-loss']]) {
        const undo = await run(['undo', '--count', '1', '--yes', ...extra, ...fresh], 180_000, copy);
        expect(undo.exitCode).toBe(4);
        expect(undo.json<ErrorDoc>().error.code).toBe('IRREVERSIBLE');
      }
      expect(await one(freshUrl, "SELECT string_agg(id || ' ' || level, ',' ORDER BY id) FROM classes")).toBe('1 beginner,2 advanced,3 all_levels');
      expect((await history(freshUrl)).at(-1)).toBe(`${added} 12`);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }, 600_000);

  it('drill all --provider local with the project\'s own seed file: the two downs that do not round-trip are found, the empty one is the restore\'s, pitr recovers production', async () => {
    const drill = await run(['drill', 'all', '--seed', path.join('db', 'seeds', '01_studio.js'), '--keep-going', '--provider', 'local', '--json', ...args], 600_000);
    // Exit 3: the drill found problems (the project's two downs), not a failure to run.
    expect(drill.exitCode, drill.stderr).toBe(3);
    const doc = drill.json<DrillDoc>();
    const walk = doc.scenarios.find((s) => s.name === 'migrations')!;
    expect(walk.status).toBe('fail');
    // Was: the seed sent as SQL ("syntax error at or near //"), fitting after no migration.
    expect(walk.facts).toMatchObject({ migrator: 'knex', migrations: 11, seedLoadedAfter: M.bookings, withoutDown: [M.waitlisted], failures: [`down ${M.waitlist}`, `down ${M.classes}`] });
    const step = (name: string) => walk.steps.find((s) => s.name === name)!;
    expect(step(`seed 01_studio.js`)).toMatchObject({ status: 'pass', detail: `loaded after ${M.bookings}` });
    expect(step(`down ${M.waitlist}`).detail).toContain('column public.classes.description removed');
    expect(step(`down ${M.classes}`).detail).toContain('enum public.class_level added');
    expect(step(`down ${M.index}`).status).toBe('pass');
    expect(step(`down ${M.waitlisted}`).status).toBe('skip');
    expect(doc.scenarios.find((s) => s.name === 'pitr')!.status).toBe('pass');
    // Production is where the journey left it.
    expect(await history(url)).toHaveLength(10);
  }, 900_000);
});
