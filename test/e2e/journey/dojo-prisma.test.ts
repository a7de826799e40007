/**
 * The on-call journey on a Prisma history: `migrations-fixtures/journey/dojo`,
 * a studio's bookings app (prisma/schema.prisma, prisma/migrations with
 * migration_lock.toml) in the shapes Prisma Migrate writes: quoted CamelCase
 * identifiers, `-- CreateTable`/`-- AlterEnum` headers, the warnings block
 * of a destructive diff, an enum value added alone, a lone hand-edited
 * CREATE INDEX CONCURRENTLY, a required column added to a filled table
 * (failing on deploy, resolved --rolled-back and edited, as Prisma's
 * production troubleshooting guide says), a rename generated as drop + add,
 * a hand-added backfill, the enum value-removal dance (BEGIN; "X_new" …
 * RENAME …; COMMIT) after a hand-added UPDATE, newer migrations qualified
 * with "public". classify → status → migrate (restore points, the failed
 * row and the refusal it causes, `_prisma_migrations` as Prisma writes it)
 * → plan → undo (refused: no downs) → restore --before-migration --tables
 * → verify → drill all --provider local, each answer checked against the
 * tables and `_prisma_migrations`.
 *
 * The Prisma CLI itself cannot run every step here: `npx prisma --version`
 * and `prisma migrate resolve` need the native schema engine, downloaded
 * from binaries.prisma.sh, which this machine cannot reach. The resolve is
 * written as the schema engine writes it (mark_migration_rolled_back_by_id:
 * rolled_back_at = now for the failed row's id); the rows dbrollback writes
 * are compared with `prisma migrate deploy`'s in test/integration/tools/prisma.test.ts.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, type CliRun } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { archiveCurrentSegment, query } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const FIXTURE = path.join(FIXTURES, 'journey', 'dojo');
const LOCATION = path.join('prisma', 'migrations');
const TIMEZONE = '20250203110000_member_timezone';
const NO_SHOW = '20250305100000_drop_booking_no_show';
const PHONE = '20250312150000_drop_member_phone';
const REVIEWS = '20250320083000_reviews';
/** The migration as `prisma migrate dev` generated it, before the team edited it after the failed deploy. */
const TIMEZONE_AS_GENERATED = `/*
  Warnings:

  - Added the required column \`timezone\` to the \`Member\` table without a default value. This is not possible if the table is not empty.

*/
-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "timezone" TEXT NOT NULL;
`;

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; transactional: boolean; down: { kind: string } | null; statements: Array<{ sql: string; findings: Array<{ rule: string; message: string; help: string }> }> }>;
}
interface ErrorDoc {
  error: { code: string; message: string; hint: string };
}
interface StatusDoc {
  head: string | null;
  warnings: string[];
  migrations: Array<{ name: string; applied: boolean; appliedAt: string | null; down: string; restorePoint: { name: string } | null }>;
}
interface PlanDoc {
  type: string;
  reasons: string[];
  recommendation: string;
  toolHasDowns: boolean;
  migrations: Array<{ name: string; down: string; compatibility: string; dataLoss: string }>;
}
interface RestoreTablesDoc {
  beforeMigration: { kind: string; migration: string };
  tables: Array<{ table: string; now: string; rows: number; matches: boolean }>;
}
interface DrillDoc {
  ok: boolean;
  scenarios: Array<{ name: string; status: string; detail: string; facts: Record<string, unknown> }>;
}

const one = async (url: string, sql: string): Promise<string | null> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string | null;
/** _prisma_migrations as `prisma migrate status` reads it: name, finished, rolled back, steps, oldest first. */
const history = async (url: string) =>
  (await query<{ r: string }>(url, "SELECT concat_ws(' ', migration_name, CASE WHEN finished_at IS NULL THEN 'unfinished' ELSE 'finished' END, CASE WHEN rolled_back_at IS NULL THEN '-' ELSE 'rolled-back' END, applied_steps_count) AS r FROM _prisma_migrations ORDER BY started_at")).map((row) => row.r);
const columnsOf = async (url: string, table: string) =>
  (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.c);
const labelsOf = async (url: string, schema: string, type: string) =>
  (await query<{ l: string }>(url, `SELECT e.enumlabel AS l FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = '${schema}' AND t.typname = '${type}' ORDER BY e.enumsortorder`)).map((r) => r.l);

describe('the journey on a Prisma studio history, run from the project root', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];
  /** The project, copied: the journey deploys the migration as generated, then as the team edited it. */
  let project: string;
  const run = (argv: string[], timeoutMs = 120_000): Promise<CliRun> => runBuiltCli(argv, { cwd: project, env: { HOME: project, TESTCONTAINERS_RYUK_DISABLED: 'true' }, timeoutMs });
  const timezoneFile = () => path.join(project, LOCATION, TIMEZONE, 'migration.sql');

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-journey-dojo-'));
    await cp(FIXTURE, project, { recursive: true });
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-prisma-store-', ['--migrations', LOCATION]));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify, status, migrate (a failed deploy, resolved --rolled-back, edited, deployed), plan, undo (refused), restore --before-migration --tables, verify: each answer as the database and _prisma_migrations say', async () => {
    // classify, as a CI lint: Prisma's folder read by migration_lock.toml, no downs, the verdicts each pattern deserves.
    const classify = await run(['classify', LOCATION, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const files = classify.json<ClassifyDoc>().files;
    const verdicts = Object.fromEntries(files.map((f) => [path.basename(path.dirname(f.path)), [f.compatibility, f.dataLoss, f.reversible, f.down?.kind ?? null]]));
    expect(verdicts).toEqual({
      '20250110093000_init': ['additive', 'none', false, 'missing'],
      '20250117142210_booking_status_waitlisted': ['additive', 'none', false, 'missing'],
      '20250124101500_index_booking_session': ['additive', 'none', false, 'missing'],
      [TIMEZONE]: ['additive', 'none', false, 'missing'],
      '20250211090000_instructor_about': ['breaking', 'destructive', false, 'missing'],
      '20250219160000_member_display_name': ['additive', 'none', false, 'missing'],
      '20250226120000_payments': ['additive', 'none', false, 'missing'],
      [NO_SHOW]: ['breaking', 'rewrite', false, 'missing'],
      [PHONE]: ['breaking', 'destructive', false, 'missing'],
      [REVIEWS]: ['additive', 'none', false, 'missing'],
    });
    const file = (name: string) => files.find((f) => path.basename(path.dirname(f.path)) === name)!;
    // The lone CONCURRENTLY runs outside a transaction (Prisma sends the file as one query); flagged nowhere.
    expect(file('20250124101500_index_booking_session')).toMatchObject({ transactional: false });
    expect(file('20250124101500_index_booking_session').statements.flatMap((s) => s.findings.map((f) => f.rule))).toEqual([]);
    // The backfill is of the column the same migration added: no value that existed changes.
    expect(file('20250219160000_member_display_name').statements.flatMap((s) => s.findings.map((f) => f.rule))).toEqual(['backfill-new-column']);
    // The enum swap names Prisma's types as written (was: public.bookingstatus_new).
    const swapMessages = file(NO_SHOW).statements.flatMap((s) => s.findings.map((f) => f.message));
    expect(swapMessages).toContain('changes the type of Booking.status to public.BookingStatus_new: not binary-coercible, so the table and its indexes are rewritten while every query waits (ACCESS EXCLUSIVE)');
    expect(swapMessages).toContain("changes Booking.status from BookingStatus to public.BookingStatus_new, which does not hold every old value; the previous app version's writes can fail");
    // Breaking for the values it removes, and only that: the renames keep the name "BookingStatus", the old type's drop and the
    // default dropped and set again inside the block break nothing (were: rename-object, drop-type, drop-default).
    expect(file(NO_SHOW).statements.map((s) => s.findings.map((f) => f.rule)).filter((r) => r.length > 0)).toEqual([['update-rows'], ['change-column-type', 'narrowing-column-type']]);
    // The rename Prisma generated as drop + add: the help names the RENAME COLUMN that would have kept the bios.
    expect(file('20250211090000_instructor_about').statements[0]!.findings[0]!.help).toContain('RENAME COLUMN "bio" TO "about"');

    // status from the project root with nothing but the database: Prisma's folder is named (was: only "no ./migrations directory").
    const bare = await run(['status', '--database-url', url, '--storage', storage, '--json']);
    expect(bare.exitCode).toBe(2);
    expect(bare.json<ErrorDoc>().error.message).toContain("./prisma/migrations exists and holds Prisma's migration_lock.toml (Prisma's default, beside prisma/schema.prisma): pass --migrations prisma/migrations");

    // migrate the first one, load the app's rows, then deploy the rest with the timezone migration as generated.
    const first = await run(['migrate', '--count', '1', '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    await query(url, await readFile(path.join(project, 'seed.sql'), 'utf8'));
    await writeFile(timezoneFile(), TIMEZONE_AS_GENERATED);
    // classify said so before the deploy: a required column without a default fails on a filled table.
    const generated = await run(['classify', timezoneFile(), '--json']);
    expect(generated.json<ClassifyDoc>().files[0]!.statements[0]!.findings.map((f) => f.rule)).toEqual(['adding-required-field']);
    // migrate refuses it before anything runs: the Member rows the new required column would be NULL in
    // (was: the deploy stopped halfway and was recorded failed).
    const refused = await run(['migrate', '--json', ...args]);
    expect(refused.exitCode, refused.stderr).toBe(4);
    const wouldFail = refused.json<ErrorDoc>();
    expect(wouldFail.error.code).toBe('MIGRATION_WOULD_FAIL');
    expect(wouldFail.error.message).toContain(`${TIMEZONE} (line `);
    expect(wouldFail.error.message).toMatch(/it adds column timezone NOT NULL without a default to public\.Member, and 5 rows of public\.Member hold NULL there/);
    expect(await history(url)).toEqual(['20250110093000_init finished - 1']);
    // Deployed by Prisma itself (prisma migrate deploy, not through dbrollback), the same migration fails and is
    // recorded failed as Prisma records it: finished_at NULL, no steps, the error in logs.
    const good = await run(['migrate', '--count', '2', '--json', ...args]);
    expect(good.exitCode, good.stderr).toBe(0);
    expect(good.json<{ applied: string[] }>().applied).toEqual(['20250117142210_booking_status_waitlisted', '20250124101500_index_booking_session']);
    const checksum = createHash('sha256').update(TIMEZONE_AS_GENERATED).digest('hex');
    const logs = 'Database error code: 23502\n\nDatabase error:\nERROR: column "timezone" of relation "Member" contains null values\n';
    await query(url, `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count) VALUES (gen_random_uuid()::text, '${checksum}', '${TIMEZONE}', $log$${logs}$log$, now(), 0)`);
    expect(await history(url)).toEqual([
      '20250110093000_init finished - 1',
      '20250117142210_booking_status_waitlisted finished - 1',
      '20250124101500_index_booking_session finished - 1',
      `${TIMEZONE} unfinished - 0`,
    ]);
    expect(await one(url, `SELECT logs FROM _prisma_migrations WHERE migration_name = '${TIMEZONE}'`)).toBe('Database error code: 23502\n\nDatabase error:\nERROR: column "timezone" of relation "Member" contains null values\n');
    expect(await columnsOf(url, 'Member')).not.toContain('timezone');
    expect(await one(url, `SELECT indisvalid::text FROM pg_index WHERE indexrelid = '"Booking_sessionId_idx"'::regclass`)).toBe('true');

    // status with the failed row: pending, and a warning naming it and its error.
    const blockedStatus = (await run(['status', '--json', ...args])).json<StatusDoc>();
    expect(blockedStatus.head).toBe('20250124101500_index_booking_session');
    expect(blockedStatus.migrations.find((m) => m.name === TIMEZONE)).toMatchObject({ applied: false, down: 'missing' });
    expect(blockedStatus.warnings).toEqual([expect.stringContaining(`${TIMEZONE} is recorded as failed`)]);
    expect(blockedStatus.warnings[0]).toContain('contains null values');
    // migrate again: refused before anything is touched, exit 2 (was: a restore point taken, then exit 1 "applying ... failed").
    const again = await run(['migrate', '--json', ...args]);
    expect(again.exitCode).toBe(2);
    expect(again.json<ErrorDoc>().error.message).toContain('P3009');
    expect(again.json<ErrorDoc>().error.hint).toContain(`prisma migrate resolve --rolled-back ${TIMEZONE}`);
    expect(again.json<{ steps: Array<{ name: string; status: string }> }>().steps.filter((s) => s.status !== 'not-run').map((s) => s.name)).toEqual(['lock']);
    // plan still answers: the last applied migration is additive, so the schema may stay (no down could take it back:
    // the restore is named only for a schema that must go anyway).
    const planBlocked = await run(['plan', '--count', '1', '--json', ...args]);
    expect(planBlocked.exitCode, planBlocked.stderr).toBe(0);
    const blockedPlan = planBlocked.json<PlanDoc>();
    expect(blockedPlan.type).toBe('schema-stays');
    expect(blockedPlan.reasons[1]).toContain('Prisma has no down migrations');
    expect(blockedPlan.recommendation).toMatch(/^Leave the database as it is and roll back the application: the old version runs on the new schema\. Prisma has no down migrations: if the schema must go back anyway, restore to the moment before /);

    // The team follows the guide: prisma migrate resolve --rolled-back (rolled_back_at = now on the failed row), the migration edited, deployed.
    await query(url, `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${TIMEZONE}' AND finished_at IS NULL AND rolled_back_at IS NULL`);
    await cp(path.join(FIXTURE, LOCATION, TIMEZONE, 'migration.sql'), timezoneFile());
    const resolved = await run(['migrate', '--to', '20250211090000_instructor_about', '--json', ...args]);
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.json<{ applied: string[] }>().applied).toEqual([TIMEZONE, '20250211090000_instructor_about']);
    expect((await history(url)).slice(3)).toEqual([`${TIMEZONE} unfinished rolled-back 0`, `${TIMEZONE} finished - 1`, '20250211090000_instructor_about finished - 1']);
    expect(await one(url, 'SELECT string_agg(DISTINCT timezone, \',\') FROM "Member"')).toBe('Europe/Berlin');
    expect(await one(url, 'SELECT count(*)::text FROM "Instructor" WHERE about IS NOT NULL')).toBe('0');

    // The rest: the backfill, payments, the enum swap (NO_SHOW rows become CANCELLED), the phones dropped, reviews.
    const phonesBefore = await query<{ id: number; phone: string | null }>(url, 'SELECT id, phone FROM "Member" ORDER BY id');
    const bookingsBefore = await query<{ id: number; status: string }>(url, 'SELECT id, status::text AS status FROM "Booking" ORDER BY id');
    expect(bookingsBefore.filter((b) => b.status === 'NO_SHOW').map((b) => b.id)).toEqual([3, 6]);
    const rest = await run(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.json<{ applied: string[] }>().applied).toEqual(['20250219160000_member_display_name', '20250226120000_payments', NO_SHOW, PHONE, REVIEWS]);
    expect(await labelsOf(url, 'public', 'BookingStatus')).toEqual(['PENDING', 'CONFIRMED', 'CANCELLED', 'WAITLISTED']);
    expect(await one(url, 'SELECT string_agg(status::text, \',\' ORDER BY id) FROM "Booking"')).toBe('CONFIRMED,CONFIRMED,CANCELLED,CANCELLED,CONFIRMED,CANCELLED,PENDING,CONFIRMED');
    expect(await one(url, 'SELECT string_agg("displayName", \',\' ORDER BY id) FROM "Member"')).toBe('Ada,Grace,Alan,Katherine,Edsger');
    expect(await columnsOf(url, 'Member')).not.toContain('phone');
    const status = (await run(['status', '--json', ...args])).json<StatusDoc>();
    expect(status.head).toBe(REVIEWS);
    expect(status.warnings).toEqual([]);
    expect(status.migrations.every((m) => m.applied && m.down === 'missing' && m.restorePoint !== null)).toBe(true);
    // The timezone migration's applied-at is its successful row's, not the rolled-back attempt's.
    expect(status.migrations.find((m) => m.name === TIMEZONE)!.appliedAt).toBe((await query<{ t: Date }>(url, `SELECT finished_at AS t FROM _prisma_migrations WHERE migration_name = '${TIMEZONE}' AND finished_at IS NOT NULL`))[0]!.t.toISOString());

    // plan --count 3: no downs, so a restore, said as such, to before the enum swap (the oldest of the three).
    const plan = await run(['plan', '--count', '3', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planDoc = plan.json<PlanDoc>();
    expect(planDoc).toMatchObject({ type: 'restore', toolHasDowns: false });
    expect(planDoc.reasons[0]).toBe(`Prisma has no down migrations: the way back past ${REVIEWS}, ${PHONE}, ${NO_SHOW} is a restore`);
    expect(planDoc.migrations.map((m) => [m.name, m.down, m.compatibility, m.dataLoss])).toEqual([
      [REVIEWS, 'missing', 'additive', 'none'],
      [PHONE, 'missing', 'breaking', 'destructive'],
      [NO_SHOW, 'missing', 'breaking', 'rewrite'],
    ]);
    expect(planDoc.recommendation).toContain(`restore --before-migration ${NO_SHOW} --data-dir DIR`);

    // undo: refused at once (exit 4), naming the restore; its dry run exits as the refusal would; nothing touched.
    const undo = await run(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(undo.exitCode).toBe(4);
    const refusal = undo.json<ErrorDoc & { backup: unknown }>();
    expect(refusal.error.code).toBe('IRREVERSIBLE');
    expect(refusal.error.message).toBe(`refusing to undo: Prisma has no down migrations: the way back past ${REVIEWS} is a restore`);
    expect(refusal.error.hint).toContain(`restore --before-migration ${REVIEWS} --data-dir DIR`);
    expect(refusal.backup ?? null).toBeNull();
    const dry = await run(['undo', '--count', '1', '--dry-run', ...args]);
    expect(dry.exitCode, dry.stderr).toBe(4);
    expect(dry.stdout).toContain('DRY RUN — nothing was changed. undo would REFUSE this (exit 4, IRREVERSIBLE): refusing to undo: Prisma has no down migrations');
    expect(await history(url)).toHaveLength(11);

    // restore --before-migration --tables: the members with their phones, beside the live table (named as SQL reads it back).
    await archiveCurrentSegment(url);
    const unquoted = await run(['restore', '--before-migration', PHONE, '--tables', 'public.Member', '--into-database', url, '--json', ...args]);
    expect(unquoted.exitCode).toBe(2);
    expect(unquoted.json<ErrorDoc>().error.message).toBe(`--tables: public.member did not exist at the recovery target; public."Member" did (a name with capitals is given in double quotes, as in SQL: --tables 'public."Member"')`);
    const members = await run(['restore', '--before-migration', PHONE, '--tables', 'public."Member"', '--into-database', url, '--json', ...args]);
    expect(members.exitCode, members.stderr).toBe(0);
    const membersDoc = members.json<RestoreTablesDoc>();
    expect(membersDoc.beforeMigration).toMatchObject({ kind: 'restore-point', migration: PHONE });
    expect(membersDoc.tables).toEqual([expect.objectContaining({ table: 'public."Member"', rows: 5, matches: true })]);
    expect(await query(url, `SELECT id, phone FROM ${membersDoc.tables[0]!.now} ORDER BY id`)).toEqual(phonesBefore);

    // The bookings before the enum swap: NO_SHOW is no value of the live type, so the recovered table keeps the type as it was
    // (was: pg_restore "invalid input value for enum", nothing recovered).
    const bookings = await run(['restore', '--before-migration', NO_SHOW, '--tables', 'public."Booking"', '--into-database', url, '--json', ...args]);
    expect(bookings.exitCode, bookings.stderr).toBe(0);
    const bookingsDoc = bookings.json<RestoreTablesDoc & { schema: string; steps: Array<{ name: string; detail: string }> }>();
    expect(bookingsDoc.tables).toEqual([expect.objectContaining({ table: 'public."Booking"', rows: 8, matches: true })]);
    expect(await query(url, `SELECT id, status::text AS status FROM ${bookingsDoc.tables[0]!.now} ORDER BY id`)).toEqual(bookingsBefore);
    expect(await labelsOf(url, bookingsDoc.schema, 'BookingStatus')).toEqual(['PENDING', 'CONFIRMED', 'CANCELLED', 'NO_SHOW', 'WAITLISTED']);
    expect(bookingsDoc.steps.find((s) => s.name === 'copy')!.detail).toContain('enum types as they were at the target, beside them (the live ones hold other values): public."BookingStatus"');
    expect(await labelsOf(url, 'public', 'BookingStatus')).toEqual(['PENDING', 'CONFIRMED', 'CANCELLED', 'WAITLISTED']);

    // verify: traffic may return; _prisma_migrations untouched by the restores.
    const verify = await run(['verify', '--expect-head', REVIEWS, '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);
    expect(await history(url)).toHaveLength(11);
  }, 600_000);

  it("the team's DATABASE_URL as Prisma's .env holds it (?schema=bookings): dbrollback keeps _prisma_migrations and the tables there, as prisma migrate deploy does (was: public)", async () => {
    const { database } = await primary.createDatabase();
    const plain = primary.url(database);
    await query(plain, 'CREATE SCHEMA bookings');
    const prismaUrl = `${plain}?schema=bookings`;
    const migrate = await runBuiltCli(['migrate', '--count', '2', '--backup', 'never', '--migrations', LOCATION, '--storage', storage, '--json'], { cwd: project, env: { HOME: project, DATABASE_URL: prismaUrl } });
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(await one(plain, "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema IN ('public', 'bookings') AND table_name IN ('_prisma_migrations', 'Member')")).toBe('bookings.Member,bookings._prisma_migrations');
    const status = await runBuiltCli(['status', '--migrations', LOCATION, '--json'], { cwd: project, env: { HOME: project, DATABASE_URL: prismaUrl } });
    expect(status.json<StatusDoc>().head).toBe('20250117142210_booking_status_waitlisted');
  });

  it('drill all --provider local from the project root with the seed: each migration\'s way back (a restore) rehearsed, pitr recovers production', async () => {
    const drill = await run(['drill', 'all', '--migrations', LOCATION, '--seed', 'seed.sql', '--keep-going', '--provider', 'local', '--json', '--database-url', url, '--storage', storage], 300_000);
    expect(drill.exitCode, drill.stderr).toBe(0);
    const doc = drill.json<DrillDoc>();
    const walk = doc.scenarios.find((s) => s.name === 'migrations')!;
    expect(walk.status, walk.detail).toBe('pass');
    expect(walk.facts).toMatchObject({ migrator: 'prisma', migrations: 10, failures: [], seedLoadedAfter: '20250110093000_init' });
    expect(walk.detail).toContain('the prisma way back (a restore: it has no downs) rehearsed 10 time(s) and matched');
    expect(doc.scenarios.find((s) => s.name === 'pitr')!.status).toBe('pass');
    expect(await history(url)).toHaveLength(11);
  }, 600_000);
});
