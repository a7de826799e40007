/**
 * The on-call journey on a golang-migrate history:
 * `migrations-fixtures/journey/fleet`, written as `migrate create -ext sql
 * -dir db/migrations -seq` names it (000001_…up.sql / .down.sql): an
 * idempotent first up, a lone CREATE INDEX CONCURRENTLY, an enum value added
 * with a comment-only down, an explicit BEGIN/COMMIT backfill, a down that
 * drops more than its up made, an in-place rewrite with migrate create's
 * empty down, a unique index CONCURRENTLY that fails on the rewritten rows
 * (golang-migrate's dirty state, an INVALID index left behind), a dropped
 * column and a seeded table. classify → status → migrate (restore points,
 * WAL archived through the built CLI's wal-push) → the failure and the
 * user's fix → plan → undo (one done, one refused) → verify → restore
 * --before-migration --tables, each answer checked against the database and
 * schema_migrations as golang-migrate would leave it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, suggested } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { archiveCurrentSegment, cli, query, sharedDir } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';
import { dockerGate } from '../../integration/drill/support.js';

const PROJECT = path.join(FIXTURES, 'journey', 'fleet');
const MIGRATIONS = path.join(PROJECT, 'db', 'migrations');
const NORMALIZE = '000008_normalize_vehicle_plates';

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; down: { kind: string } | null; statements: Array<{ findings: Array<{ rule: string; help: string }> }> }>;
}
interface ErrorDoc {
  error: { code: string; message: string; hint: string; pg?: { detail?: string } };
}
interface DrillDoc {
  ok: boolean;
  provider: string;
  scenarios: Array<{ name: string; status: string; detail: string; steps: Array<{ name: string; status: string; detail: string }>; facts: Record<string, unknown> }>;
}
interface Checks {
  checks: Array<{ id: string; status: string; detail: string }>;
}

const rowsOf = async (url: string, table: string): Promise<string[]> => (await query<{ r: string }>(url, `SELECT t::text AS r FROM ${table} t ORDER BY id`)).map((row) => row.r);
const one = async (url: string, sql: string): Promise<string | null> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string | null;
/** schema_migrations as golang-migrate reads it: exactly one row, version and dirty. */
const versionRow = (url: string) => query<{ version: string; dirty: boolean }>(url, 'SELECT version::text, dirty FROM schema_migrations');
const indexesOf = async (url: string, table: string) =>
  (await query<{ i: string }>(url, `SELECT c.relname || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END AS i FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '${table}'::regclass ORDER BY 1`)).map((r) => r.i);
const columnsOf = async (url: string, table: string) =>
  (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.c);

describe('the journey on a golang-migrate fleet history', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];
  /** vehicles as they were just before the normalizing migration. */
  let vehiclesBefore: string[];

  beforeAll(async () => {
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-gm-store-', ['--migrations', MIGRATIONS, '--migrator', 'golang-migrate']));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify, migrate into a failure and out of it, plan, undo (done and refused), verify, restore --before-migration --tables: each answer as the database says', async () => {
    // classify: the verdicts the SQL deserves, the folder read as golang-migrate's.
    const classify = await cli(['classify', MIGRATIONS, '--migrator', 'golang-migrate', '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const verdicts = Object.fromEntries(classify.json<ClassifyDoc>().files.map((f) => [path.basename(f.path, '.up.sql'), [f.compatibility, f.dataLoss, f.reversible, f.down?.kind]]));
    expect(verdicts).toMatchObject({
      '000001_create_drivers_and_vehicles': ['additive', 'none', true, 'yes'],
      '000003_index_trips_vehicle': ['additive', 'none', true, 'yes'],
      '000004_add_trip_state_cancelled': ['additive', 'none', false, 'empty'],
      '000005_add_vehicles_odometer': ['additive', 'none', true, 'yes'],
      '000006_add_drivers_phone': ['additive', 'none', false, 'yes'],
      [NORMALIZE]: ['additive', 'rewrite', false, 'empty'],
      '000010_drop_vehicles_legacy_code': ['breaking', 'destructive', false, 'yes'],
      '000011_create_depots': ['additive', 'none', true, 'yes'],
    });
    // The two CONCURRENTLY IF NOT EXISTS builds: a failed run leaves the index INVALID and the rerun would skip it.
    const ifNotExists = classify.json<ClassifyDoc>().files.filter((f) => f.statements.some((st) => st.findings.some((x) => x.rule === 'concurrent-index-if-not-exists')));
    expect(ifNotExists.map((f) => path.basename(f.path))).toEqual(['000003_index_trips_vehicle.up.sql', '000009_unique_vehicle_plates.up.sql']);
    expect(ifNotExists[1]!.statements[0]!.findings.find((x) => x.rule === 'concurrent-index-if-not-exists')!.help).toContain('`DROP INDEX CONCURRENTLY IF EXISTS public.vehicles_plate_key;`');

    // status on the fresh database, without --migrator: the same file names are the plain SQL format's too, so it asks.
    const ambiguous = await cli(['status', '--migrations', MIGRATIONS, '--database-url', url, '--storage', storage, '--json']);
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.json<ErrorDoc>().error.hint).toContain('--migrator golang-migrate');

    // migrate --to the padded version as the files write it, the seed, --to a file name as ls shows it.
    const first = await cli(['migrate', '--to', '000002', '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json<{ applied: string[] }>().applied).toEqual(['000001_create_drivers_and_vehicles', '000002_create_trips']);
    expect(await versionRow(url)).toEqual([{ version: '2', dirty: false }]);
    await primary.sql(new URL(url).pathname.slice(1), await readFile(path.join(PROJECT, 'seed.sql'), 'utf8'));
    const toFuel = await cli(['migrate', '--to', '000007_create_fuel_logs.up.sql', ...args]);
    expect(toFuel.exitCode, toFuel.stderr).toBe(0);
    expect(await versionRow(url)).toEqual([{ version: '7', dirty: false }]);
    expect(await one(url, 'SELECT sum(odometer_km) FROM vehicles')).toBe(await one(url, 'SELECT sum(distance_km) FROM trips'));
    expect(await one(url, "SELECT string_agg(v, ',' ORDER BY v) FROM unnest(enum_range(NULL::trip_state)::text[]) v")).toBe('cancelled,done,driving,planned');
    vehiclesBefore = await rowsOf(url, 'vehicles');

    // The rest: the rewrite applies, the unique index CONCURRENTLY fails on the plates it made equal.
    const failed = await cli(['migrate', '--json', ...args]);
    expect(failed.exitCode).toBe(1);
    const failure = failed.json<ErrorDoc>().error;
    expect(failure.code).toBe('MIGRATION_FAILED');
    expect(failure.message).toContain('applying 000009_unique_vehicle_plates failed: could not create unique index "vehicles_plate_key"');
    expect(failure.message).not.toContain('which was rolled back');
    expect(failure.message).toContain('The database now holds an INVALID index: public.vehicles_plate_key');
    expect(failure.pg?.detail).toBe('Key (plate)=(KX41AB) is duplicated.');
    expect(failed.stderr).toContain('detail: Key (plate)=(KX41AB) is duplicated.');
    expect(failure.hint).toContain(`run \`DROP INDEX CONCURRENTLY public.vehicles_plate_key;\`, then mark the version before it: \`migrate -path ${MIGRATIONS} -database "$DATABASE_URL" force 8\``);
    expect(failure.hint).not.toContain('dbrollback migrate` again');
    expect(failure.hint).toContain(`Undo cannot take this run's migrations back (${NORMALIZE}: no down restores it)`);
    expect(await versionRow(url)).toEqual([{ version: '9', dirty: true }]);
    expect(await indexesOf(url, 'vehicles')).toEqual(['vehicles_pkey', 'vehicles_plate_key (INVALID)']);

    // Dirty: status says so (exit 0); migrate, plan and undo refuse naming golang-migrate's force; verify says do not return traffic.
    const dirtyStatus = await cli(['status', '--json', ...args]);
    expect(dirtyStatus.exitCode, dirtyStatus.stderr).toBe(0);
    expect(dirtyStatus.json<{ warnings: string[] }>().warnings.join(' ')).toContain('public.schema_migrations is dirty at version 9');
    expect(dirtyStatus.json<{ migrations: Array<{ name: string; dirty?: boolean }> }>().migrations.filter((m) => m.dirty).map((m) => m.name)).toEqual(['000009_unique_vehicle_plates']);
    const dirtyText = await cli(['status', ...args]);
    expect(dirtyText.stdout).toContain('head 000009_unique_vehicle_plates (DIRTY: 000009_unique_vehicle_plates failed or was interrupted; see the warning below)');
    expect(dirtyText.stdout).toMatch(/\nDIRTY +000009_unique_vehicle_plates /);
    for (const command of [['migrate'], ['plan', '--count', '1'], ['undo', '--count', '1', '--yes']]) {
      const run = await cli([...command, '--json', ...args]);
      expect(run.exitCode, run.stderr).toBe(2);
      const { error } = run.json<ErrorDoc>();
      expect(error.code).toBe('MIGRATION_DIRTY');
      expect(error.hint).toContain(`\`migrate -path ${MIGRATIONS} -database "$DATABASE_URL" force 9\` (or the version before it when 9 did not apply)`);
    }
    const dirtyVerify = await cli(['verify', '--json', ...args]);
    expect(dirtyVerify.exitCode).toBe(3);
    const dirtyChecks = dirtyVerify.json<Checks>().checks;
    expect(dirtyChecks.find((c) => c.id === 'schema-head')).toMatchObject({ status: 'fail' });
    expect(dirtyChecks.find((c) => c.id === 'indexes')).toMatchObject({ status: 'fail' });
    expect(await versionRow(url)).toEqual([{ version: '9', dirty: true }]);

    // A hurried fix: the duplicate plate and `migrate force 8` (TRUNCATE + INSERT, as golang-migrate's SetVersion), but not the DROP INDEX.
    // The rerun's IF NOT EXISTS skips the invalid index: recorded as applied, yet enforcing nothing — migrate does not call that ok.
    await query(url, "UPDATE vehicles SET plate = 'KX41AC' WHERE id = 2");
    await query(url, 'BEGIN; TRUNCATE schema_migrations; INSERT INTO schema_migrations (version, dirty) VALUES (8, false); COMMIT');
    const skipped = await cli(['migrate', '--json', ...args]);
    expect(skipped.exitCode).toBe(1);
    const stillInvalid = skipped.json<ErrorDoc>().error;
    expect(stillInvalid.message).toContain('000009_unique_vehicle_plates is recorded as applied in the golang-migrate history, but the index public.vehicles_plate_key is INVALID afterwards');
    expect(stillInvalid.message).toContain('not applied: 000010_drop_vehicles_legacy_code, 000011_create_depots');
    expect(stillInvalid.hint).toContain('`REINDEX INDEX CONCURRENTLY public.vehicles_plate_key;`');
    expect(await versionRow(url)).toEqual([{ version: '9', dirty: false }]);
    expect(await indexesOf(url, 'vehicles')).toEqual(['vehicles_pkey', 'vehicles_plate_key (INVALID)']);
    // As the hint says: rebuilt in place, then the rest.
    await query(url, 'REINDEX INDEX CONCURRENTLY public.vehicles_plate_key');
    const rest = await cli(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.json<{ applied: string[] }>().applied).toEqual(['000010_drop_vehicles_legacy_code', '000011_create_depots']);
    expect(await versionRow(url)).toEqual([{ version: '11', dirty: false }]);
    expect(await indexesOf(url, 'vehicles')).toEqual(['vehicles_pkey', 'vehicles_plate_key']);

    const status = await cli(['status', '--json', ...args]);
    const migrations = status.json<{ migrations: Array<{ name: string; applied: boolean; tags: string[]; restorePoint: { name: string } | null }> }>().migrations;
    expect(migrations).toHaveLength(11);
    expect(migrations.every((m) => m.applied && m.restorePoint !== null)).toBe(true);
    expect(migrations[2]!.tags).toEqual(['3', '000003']);

    // plan: --to in every form a golang-migrate user types names the same migration.
    const plans = await Promise.all(['7', '000007', '000007_create_fuel_logs', '000007_create_fuel_logs.down.sql'].map((to) => cli(['plan', '--to', to, '--json', ...args])));
    for (const plan of plans) {
      expect(plan.exitCode, plan.stderr).toBe(0);
      expect(plan.json<{ migrations: Array<{ name: string }> }>().migrations.map((m) => m.name)).toEqual(['000011_create_depots', '000010_drop_vehicles_legacy_code', '000009_unique_vehicle_plates', NORMALIZE]);
    }
    // plan --count 1: the seeded table and the filled column are what the down destroys.
    const plan = await cli(['plan', '--count', '1', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planDoc = plan.json<{ type: string; migrations: Array<{ atRisk: { objects: Array<{ name: string; rows: number }> } }> }>();
    expect(planDoc.type).toBe('schema-stays');
    expect(planDoc.migrations[0]!.atRisk.objects.map((o) => [o.name, o.rows])).toEqual([['public.vehicles.depot_id', 6], ['public.depots', 3]]);

    // undo: depots and vehicles.depot_id go, nothing else moves; one row, version 10, clean.
    const vehiclesCount = await one(url, 'SELECT count(*) FROM vehicles');
    const undo = await cli(['undo', '--count', '1', '--yes', '--accept-data-loss', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(await one(url, "SELECT to_regclass('public.depots')::text")).toBeNull();
    expect(await columnsOf(url, 'vehicles')).toEqual(['id', 'plate', 'created_at', 'odometer_km']);
    expect(await indexesOf(url, 'vehicles')).toEqual(['vehicles_pkey', 'vehicles_plate_key']);
    expect(await one(url, 'SELECT count(*) FROM vehicles')).toBe(vehiclesCount);
    expect(await versionRow(url)).toEqual([{ version: '10', dirty: false }]);
    // verify: the head named by its version as golang-migrate prints it and as the files write it.
    for (const head of ['10', '000010', '000010_drop_vehicles_legacy_code']) {
      const verify = await cli(['verify', '--expect-head', head, '--json', ...args]);
      expect(verify.exitCode, verify.stdout).toBe(0);
      expect(verify.json<Checks>().checks.find((c) => c.id === 'schema-head')!.status).toBe('pass');
    }

    // undo of the dropped column: refused, nothing touched.
    const refused = await cli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorDoc>().error.code).toBe('IRREVERSIBLE');
    expect(refused.json<ErrorDoc>().error.hint).toContain(`${suggested(args)} restore --before-migration 000010_drop_vehicles_legacy_code --tables public.vehicles --into-database URL`);
    // Copying values back by hand: the live table has no legacy_code any more, so the advice re-adds it first.
    const reAdd = 'the live table no longer has public.vehicles.legacy_code, which the migrations dropped: re-add it first (ALTER TABLE public.vehicles ADD COLUMN legacy_code <its type in dbrollback_recovered_<time>.vehicles>), then copy the values (e.g. UPDATE public.vehicles SET legacy_code = r.legacy_code FROM dbrollback_recovered_<time>.vehicles r WHERE …)';
    expect(refused.json<ErrorDoc>().error.hint).toContain(reAdd);
    const planned = await cli(['plan', '--count', '1', '--json', ...args]);
    expect(planned.json<{ recommendation: string }>().recommendation).toContain(reAdd);
    expect(await versionRow(url)).toEqual([{ version: '10', dirty: false }]);

    // restore --before-migration by the padded version: vehicles exactly as before the rewrite, beside the live table.
    const restore = await cli(['restore', '--before-migration', '000008', '--tables', 'public.vehicles', '--into-database', url, '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const doc = restore.json<{ beforeMigration: { kind: string; migration: string }; tables: Array<{ table: string; now: string; rows: number; matches: boolean }> }>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'restore-point', migration: NORMALIZE });
    expect(doc.tables).toEqual([expect.objectContaining({ table: 'public.vehicles', rows: 6, matches: true })]);
    expect(await rowsOf(url, doc.tables[0]!.now)).toEqual(vehiclesBefore);
    expect(await one(url, "SELECT string_agg(plate, ',' ORDER BY id) FROM public.vehicles")).toBe('KX41AB,KX41AC,LM07ZZ,PQ12RS,TU88VW,AB99CD');
    // The advice, followed: the column re-added with the recovered table's type, then the values copied back.
    const recovered = doc.tables[0]!.now;
    const type = await one(url, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '${recovered}'::regclass AND attname = 'legacy_code'`);
    expect(type).toBe('character varying(16)');
    await query(url, `ALTER TABLE public.vehicles ADD COLUMN legacy_code ${type}; UPDATE public.vehicles SET legacy_code = r.legacy_code FROM ${recovered} r WHERE r.id = vehicles.id`);
    expect(await one(url, "SELECT string_agg(coalesce(legacy_code, '-'), ',' ORDER BY id) FROM public.vehicles")).toBe('V-001,V-002,V-003,-,V-005,V-006');
  }, 600_000);

  it('an enum value\'s comment-only down is refused at once; a lone CONCURRENTLY index is undone outside a transaction; a failing down is left dirty with the force first in the hint, the row as golang-migrate leaves it', async () => {
    const { database } = await primary.createDatabase();
    const fresh = ['--migrations', MIGRATIONS, '--migrator', 'golang-migrate', '--database-url', primary.url(database), '--storage', storage];
    const freshUrl = primary.url(database);
    expect((await cli(['migrate', '--to', '3', '--backup', 'never', ...fresh])).exitCode).toBe(0);
    expect(await indexesOf(freshUrl, 'trips')).toEqual(['idx_trips_vehicle_id', 'trips_pkey']);
    // --to a pending migration, by its file name as ls shows it or its version: said to be pending, what is applied named.
    for (const to of ['000005_add_vehicles_odometer.up.sql', '5']) {
      for (const command of ['undo', 'plan']) {
        const pending = await cli([command, '--to', to, '--yes', '--json', ...fresh]);
        expect(pending.exitCode, pending.stdout).toBe(2);
        const { error } = pending.json<ErrorDoc>();
        expect(error.message).toBe(`--to ${to}: 000005_add_vehicles_odometer is pending (not applied), so the database cannot be rolled back to it`);
        expect(error.hint).toContain('Applied migrations (newest last): 000001_create_drivers_and_vehicles, 000002_create_trips, 000003_index_trips_vehicle; the head is 000003_index_trips_vehicle.');
      }
    }
    expect(await versionRow(freshUrl)).toEqual([{ version: '3', dirty: false }]);
    const undoIndex = await cli(['undo', '--count', '1', '--yes', ...fresh]);
    expect(undoIndex.exitCode, undoIndex.stderr).toBe(0);
    expect(await indexesOf(freshUrl, 'trips')).toEqual(['trips_pkey']);
    expect(await versionRow(freshUrl)).toEqual([{ version: '2', dirty: false }]);

    expect((await cli(['migrate', '--to', '000004_add_trip_state_cancelled', '--backup', 'never', ...fresh])).exitCode).toBe(0);
    const undo = await cli(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(undo.exitCode).toBe(4);
    const doc = undo.json<{ backup: unknown; error: { code: string; message: string } }>();
    expect(doc.error.code).toBe('IRREVERSIBLE');
    expect(doc.error.message).toContain('000004_add_trip_state_cancelled');
    expect(doc.backup).toBeNull();
    expect(await versionRow(freshUrl)).toEqual([{ version: '4', dirty: false }]);

    // A down that fails (a view the team added on the column it drops): dirty at the version before, as golang-migrate leaves it,
    // and the hint puts golang-migrate's force first, since the next run is refused while dirty.
    expect((await cli(['migrate', '--to', '5', '--backup', 'never', ...fresh])).exitCode).toBe(0);
    await query(freshUrl, 'CREATE VIEW fleet_km AS SELECT id, odometer_km FROM vehicles');
    const failedDown = await cli(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(failedDown.exitCode).toBe(1);
    const failure = failedDown.json<ErrorDoc>().error;
    expect(failure.message).toContain('public.schema_migrations says version 4, dirty, as golang-migrate leaves a failed down; the down ran as one transaction (implicit, or its own BEGIN … COMMIT) and was rolled back');
    expect(failure.hint.startsWith(`First mark the database clean: \`migrate -path ${MIGRATIONS} -database "$DATABASE_URL" force 5\``), failure.hint).toBe(true);
    expect(failure.pg?.detail).toBe('view fleet_km depends on column odometer_km of table vehicles');
    expect(await versionRow(freshUrl)).toEqual([{ version: '4', dirty: true }]);
    expect(await columnsOf(freshUrl, 'vehicles')).toContain('odometer_km');
    // Fixed and forced as the hint says: the undo goes through.
    await query(freshUrl, 'DROP VIEW fleet_km');
    await query(freshUrl, 'BEGIN; TRUNCATE schema_migrations; INSERT INTO schema_migrations (version, dirty) VALUES (5, false); COMMIT');
    const undone = await cli(['undo', '--count', '1', '--yes', ...fresh]);
    expect(undone.exitCode, undone.stderr).toBe(0);
    expect(await columnsOf(freshUrl, 'vehicles')).not.toContain('odometer_km');
    expect(await versionRow(freshUrl)).toEqual([{ version: '4', dirty: false }]);

    // A down that drops more than its up made (drivers.email_verified, 000001's): refused against the recorded schema, nothing run.
    expect((await cli(['migrate', '--to', '000006_add_drivers_phone', '--backup', 'never', ...fresh])).exitCode).toBe(0);
    const dropsMore = await cli(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(dropsMore.exitCode).toBe(4);
    expect(dropsMore.json<ErrorDoc>().error.message).toContain('down of 000006_add_drivers_phone drops column public.drivers.email_verified, which 000001_create_drivers_and_vehicles created');
    expect(await columnsOf(freshUrl, 'drivers')).toEqual(['id', 'full_name', 'email', 'email_verified', 'created_at', 'phone']);
    expect(await versionRow(freshUrl)).toEqual([{ version: '6', dirty: false }]);
  }, 600_000);

  it('--migrations naming the wrong folder is refused (exit 2) naming the right one: the project\'s db/ above it, a dbmate project\'s folder', async () => {
    const parent = await cli(['status', '--migrations', path.join(PROJECT, 'db'), '--migrator', 'golang-migrate', '--database-url', url, '--storage', storage, '--json']);
    expect(parent.exitCode).toBe(2);
    expect(parent.json<ErrorDoc>().error.hint).toContain(`pass --migrations ${MIGRATIONS} (golang-migrate's -path)`);
    const dbmate = await cli(['status', '--migrations', path.join(FIXTURES, 'journey', 'helpdesk', 'db', 'migrations'), '--database-url', url, '--storage', storage, '--json']);
    expect(dbmate.exitCode).toBe(2);
    expect(dbmate.json<ErrorDoc>().error.message).toContain("public.schema_migrations has a dirty column: it is golang-migrate's history");
    expect(await versionRow(url)).toEqual([{ version: '10', dirty: false }]);
  });
  it('drill all in the project root, as a new user runs it: the folder to pass is named, a storage of WAL and undo\'s partial backups skips the logical restore, the seeded walk finds 000009\'s duplicate and 000006\'s over-eager down, pitr recovers production', async () => {
    const env = { TESTCONTAINERS_RYUK_DISABLED: 'true' };
    const production = ['--database-url', url, '--storage', storage];
    // The pitr drill recovers the newest archived moment: what the journey wrote so far is archived first (under
    // load the archiver may still be a segment behind, and the copy would hold an older state).
    await archiveCurrentSegment(url);
    // Nothing passed: the migrations drill is skipped naming golang-migrate's folder and both flags; the storage holds WAL, a base backup and the partial backup the accepted undo took, none of the whole database.
    const bare = await runBuiltCli(['drill', 'all', '--provider', 'local', '--json', ...production], { cwd: PROJECT, env });
    expect(bare.exitCode, bare.stderr).toBe(0);
    const bareDoc = bare.json<DrillDoc>();
    expect(bareDoc.scenarios.map((sc) => [sc.name, sc.status])).toEqual([['migrations', 'skip'], ['restore', 'skip'], ['pitr', 'pass']]);
    expect(bareDoc.scenarios[0]!.detail).toContain('./db/migrations exists and holds VERSION_name.up.sql files (golang-migrate\'s, as `migrate create -dir db/migrations` writes them): pass --migrations db/migrations --migrator golang-migrate');
    expect(bareDoc.scenarios[1]!.detail).toBe(`the storage holds only partial logical backups (the rows undo saved before its downs), not one of the whole database, so there is no logical restore to rehearse (take one with \`${suggested(production)} backup\`; a WAL archive with a base backup is rehearsed by the pitr drill)`);
    expect(bareDoc.scenarios[2]!.facts.tables as number).toBeGreaterThanOrEqual(5);

    // The folder without --migrator: not "no migrations are configured" but the two formats it matches, before anything starts.
    const ambiguous = await runBuiltCli(['drill', 'all', '--migrations', 'db/migrations', '--provider', 'local', '--json', ...production], { cwd: PROJECT, env });
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.json<ErrorDoc>().error.hint).toContain('--migrator golang-migrate');

    // As the skip said, with the seed, every migration rehearsed (--keep-going), on whatever provider answers; and a JUnit file.
    const junit = path.join(await sharedDir('dbrollback-journey-gm-junit-'), 'drill.xml');
    const seeded = await runBuiltCli(['drill', 'all', '--migrations', 'db/migrations', '--migrator', 'golang-migrate', '--seed', 'seed.sql', '--keep-going', '--junit', junit, '--json', ...production], { cwd: PROJECT, env, timeoutMs: 300_000 });
    expect(seeded.exitCode, seeded.stderr).toBe(3);
    const doc = seeded.json<DrillDoc>();
    expect(doc.provider).toBe((await dockerGate()).run ? 'testcontainers' : 'local');
    expect(doc.scenarios.map((sc) => [sc.name, sc.status])).toEqual([['migrations', 'fail'], ['restore', 'skip'], ['pitr', 'pass']]);
    const walk = doc.scenarios[0]!;
    expect(walk.facts).toMatchObject({ migrator: 'golang-migrate', migrations: 11, seedLoadedAfter: '000002_create_trips', failures: ['up 000009_unique_vehicle_plates', 'down 000006_add_drivers_phone'], withoutDown: [NORMALIZE, '000004_add_trip_state_cancelled'] });
    const step = (name: string) => walk.steps.find((st) => st.name === name)!;
    // PostgreSQL's words and detail, and the index it leaves — not production's `migrate force` against $DATABASE_URL.
    expect(step('up 000009_unique_vehicle_plates')).toMatchObject({
      status: 'fail',
      detail: 'could not create unique index "vehicles_plate_key" (Key (plate)=(KX41AB) is duplicated.); it left an INVALID index behind: public.vehicles_plate_key (a failed CONCURRENTLY build is not rolled back, and IF NOT EXISTS would skip it on a rerun)',
    });
    expect(seeded.stdout).not.toContain('DATABASE_URL');
    expect(step('down 000006_add_drivers_phone')).toMatchObject({ status: 'fail', detail: 'the schema differs from before 000006_add_drivers_phone: column public.drivers.email_verified removed (boolean)' });
    expect(step(`down ${NORMALIZE}`)).toMatchObject({ status: 'skip', detail: expect.stringContaining('the way back is restore') });
    for (const name of ['000007_create_fuel_logs', '000005_add_vehicles_odometer', '000003_index_trips_vehicle', '000002_create_trips', '000001_create_drivers_and_vehicles']) {
      expect(step(`down ${name}`).status, `${name}: ${step(`down ${name}`).detail}`).toBe('pass');
    }
    expect(step('up again 000008_normalize_vehicle_plates').status).toBe('pass');
    expect(step('up 000010_drop_vehicles_legacy_code').status).toBe('not-run');
    expect(doc.scenarios[2]!.facts.tables as number).toBeGreaterThanOrEqual(5);
    expect(await readFile(junit, 'utf8')).toContain('name="up 000009_unique_vehicle_plates"');
    // The summary counts both problems, not the one scenario.
    const text = await runBuiltCli(['drill', 'migrations', '--migrations', 'db/migrations', '--migrator', 'golang-migrate', '--seed', 'seed.sql', '--keep-going', '--provider', 'local', ...production], { cwd: PROJECT, env });
    expect(text.exitCode, text.stderr).toBe(3);
    expect(text.stdout).toContain('drill found 2 problem(s)');
    // Once a logical backup exists, the restore drill rehearses it.
    expect((await cli(['backup', ...production])).exitCode).toBe(0);
    const restore = await runBuiltCli(['drill', 'restore', '--provider', 'local', '--json', ...production], { cwd: PROJECT, env });
    expect(restore.exitCode, restore.stdout).toBe(0);
    expect(restore.json<DrillDoc>().scenarios[0]).toMatchObject({ name: 'restore', status: 'pass', facts: { backupDatabase: new URL(url).pathname.slice(1) } });
    expect(await versionRow(url)).toEqual([{ version: '10', dirty: false }]);
  }, 600_000);
});

describe('the on-call engineer in the golang-migrate project root', () => {
  it('status without --migrations names ./db/migrations as golang-migrate\'s folder (not dbmate\'s default) in its refusal', async () => {
    const run = await runBuiltCli(['status'], { cwd: PROJECT });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("./db/migrations exists and holds VERSION_name.up.sql files (golang-migrate's, as `migrate create -dir db/migrations` writes them): pass --migrations db/migrations --migrator golang-migrate");
  });
});
