/**
 * Undo proves the schema round trip before it touches the database (issue 25
 * part 1), through the built CLI on real clusters. The fixtures follow a
 * pattern seen in public node-pg-migrate projects: an up that repeats
 * `createIndex(..., { ifNotExists: true })` for indexes an earlier migration
 * made (a no-op), with a down that drops them.
 */
import { execa } from 'execa';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, PROJECT_ROOT, suggested } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { dirWith, removeTempDirs } from '../harness/fixtures.js';
import { archivingCluster, baseBackup, sharedDir } from '../integration/pitr/support.js';

const INDEXED = ['kind', 'actor_id', 'created_at', 'status', 'source_ip'];
const INDEXES = INDEXED.map((c) => `events_${c}_idx`);

const CREATE_EVENTS = `exports.up = (pgm) => {
  pgm.createTable('events', {
    id: 'id',
    kind: { type: 'text', notNull: true },
    actor_id: { type: 'integer' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    status: { type: 'text', notNull: true, default: 'new' },
    source_ip: { type: 'inet' },
  });
${INDEXED.map((c) => `  pgm.createIndex('events', '${c}', { name: 'events_${c}_idx' });`).join('\n')}
};
exports.down = (pgm) => {
  pgm.dropTable('events');
};
`;

/** The defect's pattern: the up re-declares the earlier indexes (a no-op), the down drops them. */
const ADD_PAYLOAD = `exports.up = (pgm) => {
  pgm.addColumns('events', { payload: { type: 'jsonb' } });
${INDEXED.map((c) => `  pgm.createIndex('events', '${c}', { name: 'events_${c}_idx', ifNotExists: true });`).join('\n')}
};
exports.down = (pgm) => {
${INDEXED.map((c) => `  pgm.dropIndex('events', '${c}', { name: 'events_${c}_idx' });`).join('\n')}
  pgm.dropColumns('events', ['payload']);
};
`;

/** A down that forgets the column its up added (it drops only the index). */
const ADD_REGION = `exports.up = (pgm) => {
  pgm.addColumns('events', { region: { type: 'text' } });
  pgm.createIndex('events', 'region', { name: 'events_region_idx' });
};
exports.down = (pgm) => {
  pgm.dropIndex('events', 'region', { name: 'events_region_idx' });
};
`;

/** The same forgotten column, the down's one statement a DO block: what it drops cannot be read from its SQL. */
const ADD_REGION_OPAQUE = `exports.up = (pgm) => {
  pgm.addColumns('events', { region: { type: 'text' } });
  pgm.createIndex('events', 'region', { name: 'events_region_idx' });
};
exports.down = (pgm) => {
  pgm.sql("DO $$ BEGIN EXECUTE 'DROP INDEX events_region_idx'; END $$");
};
`;

/** An up that makes an index inside a DO block (its SQL does not show it), and a down that forgets it. */
const ADD_STATUS_INDEX_OPAQUE = `exports.up = (pgm) => {
  pgm.sql("DO $$ BEGIN EXECUTE 'CREATE INDEX events_status_kind_idx ON events (status, kind)'; END $$");
};
exports.down = (pgm) => {
  pgm.sql('SELECT 1');
};
`;

/** An exact round trip, for contrast. */
const ADD_NOTE = `exports.up = (pgm) => {
  pgm.addColumns('events', { note: { type: 'text', default: 'none' } });
};
exports.down = (pgm) => {
  pgm.dropColumns('events', ['note']);
};
`;

interface PlanDoc {
  type: string;
  roundTrip: { source: string; ok: boolean | null; differences: Array<{ migration: string; kind: string; object: string; effect: string; createdBy: string | null; message: string }> } | null;
}
interface ErrorDoc {
  ok: false;
  error: { code: string; message: string; hint: string };
}
interface UndoDoc {
  ok: boolean;
  undone: string[];
  verify: { ok: boolean; checks: Array<{ id: string; status: string; detail: string; problems?: string[] }> } | null;
  error?: { code: string; message: string };
}

// Each test runs several commands that start a throwaway cluster (the rehearsal): minutes on a loaded machine.
describe('undo proves the schema round trip (built CLI)', { timeout: 300_000 }, () => {
  let cluster: Cluster;
  let fiveIndexes: string;
  let forgetsColumn: string;
  let forgetsColumnOpaquely: string;
  let exact: string;

  beforeAll(async () => {
    cluster = await startCluster();
    fiveIndexes = await dirWith({ '001_create-events.js': CREATE_EVENTS, '002_add-payload.js': ADD_PAYLOAD }, 'dbrollback-rt-five-');
    forgetsColumn = await dirWith({ '001_create-events.js': CREATE_EVENTS, '002_add-region.js': ADD_REGION }, 'dbrollback-rt-region-');
    forgetsColumnOpaquely = await dirWith({ '001_create-events.js': CREATE_EVENTS, '002_add-region.js': ADD_REGION_OPAQUE }, 'dbrollback-rt-region-do-');
    exact = await dirWith({ '001_create-events.js': CREATE_EVENTS, '002_add-note.js': ADD_NOTE }, 'dbrollback-rt-exact-');
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  async function project(migrations: string) {
    const { database } = await cluster.createDatabase();
    const url = cluster.url(database);
    const storage = await dirWith({}, 'dbrollback-rt-storage-');
    const args = ['--database-url', url, '--migrations', migrations, '--migrator', 'node-pg-migrate', '--storage', storage];
    return { database, url, storage, args };
  }

  /** Applied by node-pg-migrate's own CLI: no schema recorded. */
  async function appliedByTool(url: string, migrations: string): Promise<void> {
    await execa(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js'), 'up', '-m', migrations], { env: { ...process.env, DATABASE_URL: url } });
  }

  const indexesOf = async (database: string) =>
    (await cluster.sql<{ name: string }>(database, "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'events' ORDER BY 1")).map((r) => r.name);
  const headOf = async (database: string) => (await cluster.sql<{ name: string }>(database, 'SELECT name FROM pgmigrations ORDER BY id DESC LIMIT 1'))[0]?.name;

  it('without a record: plan rehearses the round trip in a throwaway database and names each index and the migration that created it; undo refuses (exit 4) and changes nothing; with --accept-schema-difference it runs and verify reports the differences as accepted', async () => {
    const p = await project(fiveIndexes);
    await appliedByTool(p.url, fiveIndexes);
    const before = await indexesOf(p.database);
    expect(before).toEqual(expect.arrayContaining(INDEXES));

    const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...p.args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const doc = plan.json<PlanDoc>();
    expect(doc.roundTrip?.source).toBe('rehearsal');
    expect(doc.roundTrip?.ok).toBe(false);
    const drops = doc.roundTrip!.differences.filter((d) => d.kind === 'index');
    expect(drops.map((d) => d.object).sort()).toEqual(INDEXES.map((i) => `public.events.${i}`).sort());
    for (const d of drops) {
      expect(d).toMatchObject({ migration: '002_add-payload', effect: 'drops', createdBy: '001_create-events' });
      expect(d.message).toMatch(new RegExp(`^down of 002_add-payload drops index ${d.object.split('.')[2]} on public.events, which 001_create-events created$`));
    }
    // Nothing else differs: the payload column goes and comes back exactly.
    expect(doc.roundTrip!.differences).toHaveLength(5);

    const human = await runBuiltCli(['plan', '--count', '1', ...p.args]);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/schema round trip \(rehearsed in a throwaway database(, from the local cache)?, [\d.]+ s\): 5 difference\(s\)/);
    for (const i of INDEXES) expect(human.stdout).toContain(`down of 002_add-payload drops index ${i} on public.events, which 001_create-events created`);

    const refused = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...p.args]);
    expect(refused.exitCode, refused.stderr).toBe(4);
    const err = refused.json<ErrorDoc>();
    expect(err.error.code).toBe('SCHEMA_ROUND_TRIP');
    expect(err.error.message).toContain('drops index events_kind_idx on public.events, which 001_create-events created');
    expect(err.error.hint).toContain('--accept-schema-difference');
    expect(await indexesOf(p.database)).toEqual(before);
    expect(await headOf(p.database)).toBe('002_add-payload');
    expect((await readdir(p.storage)).includes('backups')).toBe(false);

    const accepted = await runBuiltCli(['undo', '--count', '1', '--yes', '--accept-schema-difference', '--json', ...p.args]);
    expect(accepted.exitCode, accepted.stderr).toBe(0);
    const undone = accepted.json<UndoDoc>();
    expect(undone.undone).toEqual(['002_add-payload']);
    const check = undone.verify!.checks.find((c) => c.id === 'schema-round-trip')!;
    expect(check.status).toBe('pass');
    expect(check.detail).toMatch(/exactly as in the rehearsal .*5 accepted difference\(s\)/);
    expect(await indexesOf(p.database)).toEqual(['events_pkey']);
    // No record existed (the tool applied the migrations); the undo recorded the schema it left, and a later verify
    // compares with it (was: skipped, no record at this head).
    const later = await runBuiltCli(['verify', '--json', ...p.args]);
    expect(later.exitCode, later.stdout).toBe(0);
    expect(later.json<UndoDoc['verify'] & object>().checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^the schema holds everything an undo left at head 001_create-events and recorded .*accepted \(--accept-schema-difference\): /) });
  });

  it('migrate records the schema before each migration in the storage (encrypted with a key); plan then checks the downs against the record and undo refuses the same five indexes', async () => {
    const p = await project(fiveIndexes);
    const key = 'ab'.repeat(32);
    const env = { DBROLLBACK_ENCRYPTION_KEY: key };
    const migrated = await runBuiltCli(['migrate', '--backup', 'never', '--json', ...p.args], { env });
    expect(migrated.exitCode, migrated.stderr).toBe(0);

    const records = await readdir(path.join(p.storage, 'schema-records'));
    expect(records.sort()).toEqual(['001_create-events', '002_add-payload']);
    const files = await readdir(path.join(p.storage, 'schema-records', '002_add-payload'));
    expect(files).toHaveLength(1);
    const stored = await readFile(path.join(p.storage, 'schema-records', '002_add-payload', files[0]!));
    // Encrypted like everything in the storage: no index name in the clear.
    expect(stored.includes(Buffer.from('events_kind_idx'))).toBe(false);

    const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...p.args], { env });
    expect(plan.exitCode, plan.stderr).toBe(0);
    const doc = plan.json<PlanDoc>();
    expect(doc.roundTrip?.source).toBe('record');
    expect(doc.roundTrip!.differences.map((d) => d.message).sort()).toEqual(INDEXES.map((i) => `down of 002_add-payload drops index ${i} on public.events, which 001_create-events created`).sort());

    const before = await indexesOf(p.database);
    const refused = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...p.args], { env });
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorDoc>().error.code).toBe('SCHEMA_ROUND_TRIP');
    expect(await indexesOf(p.database)).toEqual(before);

    // Accepted: the verify gate compares with the record and reports the five as accepted.
    const accepted = await runBuiltCli(['undo', '--count', '1', '--yes', '--accept-schema-difference', '--json', ...p.args], { env });
    expect(accepted.exitCode, accepted.stderr).toBe(0);
    const check = accepted.json<UndoDoc>().verify!.checks.find((c) => c.id === 'schema-round-trip')!;
    expect(check.status).toBe('pass');
    expect(check.detail).toMatch(/equals the one recorded before 002_add-payload except 5 accepted difference\(s\)/);

    // The undo recorded the schema it left: a later standalone verify says the five were accepted, and does not fail
    // them again (was: exit 3 with five "index ... is missing" until --skip-checks schema-round-trip).
    const later = await runBuiltCli(['verify', '--json', ...p.args], { env });
    expect(later.exitCode, later.stdout).toBe(0);
    const again = later.json<UndoDoc['verify'] & object>().checks.find((c) => c.id === 'schema-round-trip')!;
    expect(again.status).toBe('pass');
    expect(again.detail).toMatch(/^the schema holds everything an undo left at head 001_create-events and recorded \(before 002_add-payload, .*\); the undo that left it accepted \(--accept-schema-difference\): /);
    for (const index of INDEXES) expect(again.detail).toContain(`drops index ${index} on public.events`);
    // Encrypted like migrate's records.
    const left = (await readdir(path.join(p.storage, 'schema-records', '002_add-payload'))).filter((f) => !files.includes(f));
    expect(left).toHaveLength(1);
    expect((await readFile(path.join(p.storage, 'schema-records', '002_add-payload', left[0]!))).includes(Buffer.from('events_pkey'))).toBe(false);
    // What is lost after the undo is still caught: a column dropped by hand fails the gate.
    await cluster.sql(p.database, 'ALTER TABLE events DROP COLUMN source_ip');
    const lost = await runBuiltCli(['verify', '--json', ...p.args], { env });
    expect(lost.exitCode, lost.stdout).toBe(3);
    expect(lost.json<UndoDoc['verify'] & object>().checks.find((c) => c.id === 'schema-round-trip')!.problems![0]).toMatch(/^column public\.events\.source_ip \(inet\) is missing/);
  });

  it('the record unencrypted holds the schema before the migration, its predecessor and the history table left out', async () => {
    const p = await project(exact);
    const migrated = await runBuiltCli(['migrate', '--backup', 'never', ...p.args]);
    expect(migrated.exitCode, migrated.stderr).toBe(0);
    const dir = path.join(p.storage, 'schema-records', '002_add-note');
    const [file] = await readdir(dir);
    const record = JSON.parse(await readFile(path.join(dir, file!), 'utf8')) as { migration: string; head: string; schema: { relations: Record<string, { columns: Record<string, unknown>; indexes: Record<string, unknown> }> } };
    expect(record.migration).toBe('002_add-note');
    expect(record.head).toBe('001_create-events');
    expect(Object.keys(record.schema.relations['public.events']!.indexes).sort()).toEqual(['events_pkey', ...INDEXES].sort());
    expect(record.schema.relations['public.events']!.columns).not.toHaveProperty('note');
    expect(record.schema.relations).not.toHaveProperty('public.pgmigrations');

    // An exact round trip: plan says so, undo runs and the verify gate passes against the record.
    const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...p.args]);
    expect(plan.json<PlanDoc>().roundTrip).toMatchObject({ source: 'record', ok: true, differences: [] });
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...p.args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(undo.json<UndoDoc>().verify!.checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({ status: 'pass' });
  });

  it('against the record, the column a down leaves behind (its up added it) is named before anything is touched', async () => {
    const p = await project(forgetsColumn);
    const migrated = await runBuiltCli(['migrate', '--backup', 'never', ...p.args]);
    expect(migrated.exitCode, migrated.stderr).toBe(0);
    // The up's SQL adds the column, the down's SQL does not drop it: said by the plan (was: seen only by the verify gate
    // after the down ran, exit 3 with traffic paused).
    const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...p.args]);
    expect(plan.json<PlanDoc>().roundTrip).toMatchObject({ source: 'record', ok: false });
    expect(plan.json<PlanDoc>().roundTrip!.differences.map((d) => d.message)).toEqual(['down of 002_add-region leaves column public.events.region, which did not exist before 002_add-region']);
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...p.args]);
    expect(undo.exitCode, undo.stderr).toBe(4);
    expect(undo.json<UndoDoc>().error?.code).toBe('SCHEMA_ROUND_TRIP');
    expect(await headOf(p.database)).toBe('002_add-region');
  });

  it('the verify gate exits 3 when the schema after an undo differs from the record (a down whose SQL cannot show what it drops leaves the column its up added), naming the column', async () => {
    const p = await project(forgetsColumnOpaquely);
    const migrated = await runBuiltCli(['migrate', '--backup', 'never', ...p.args]);
    expect(migrated.exitCode, migrated.stderr).toBe(0);
    // A DO block's effects are not read from its SQL: the record path predicts nothing, and the gate compares after.
    const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...p.args]);
    expect(plan.json<PlanDoc>().roundTrip).toMatchObject({ source: 'record', ok: true });
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...p.args]);
    expect(undo.exitCode, undo.stderr).toBe(3);
    const doc = undo.json<UndoDoc>();
    const check = doc.verify!.checks.find((c) => c.id === 'schema-round-trip')!;
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(/^the schema differs from the one recorded before 002_add-region: column public\.events\.region added \(text\)$/);
    expect(doc.error?.code).toBe('VERIFY_FAILED');
    expect(doc.error?.message).toContain('column public.events.region added');
  });

  it('against the record, an index already gone (dropped by hand, or an earlier undo\'s accepted difference) is named before anything is touched, not found by the verify gate after the downs ran', async () => {
    const p = await project(exact);
    const migrated = await runBuiltCli(['migrate', '--backup', 'never', ...p.args]);
    expect(migrated.exitCode, migrated.stderr).toBe(0);
    await cluster.sql(p.database, 'DROP INDEX events_kind_idx');
    const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...p.args]);
    expect(plan.json<PlanDoc>().roundTrip).toMatchObject({ source: 'record', ok: false });
    expect(plan.json<PlanDoc>().roundTrip!.differences).toEqual([
      expect.objectContaining({
        kind: 'index',
        object: 'public.events.events_kind_idx',
        effect: 'missing',
        createdBy: '001_create-events',
        message: expect.stringMatching(/^index events_kind_idx on public\.events is missing already: the schema recorded before 002_add-note holds it \(001_create-events created it\), and no migration being undone drops it/),
      }),
    ]);
    // Refused (exit 4) with nothing run: was the down run, then verify failing (exit 3) with traffic paused.
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...p.args]);
    expect(undo.exitCode, undo.stdout).toBe(4);
    expect(undo.json<ErrorDoc>().error).toMatchObject({ code: 'SCHEMA_ROUND_TRIP', hint: expect.stringContaining('Recreate what is missing') });
    expect(await headOf(p.database)).toBe('002_add-note');
    // Accepted: the undo runs, and verify reports the difference as accepted.
    const accepted = await runBuiltCli(['undo', '--count', '1', '--yes', '--accept-schema-difference', '--json', ...p.args]);
    expect(accepted.exitCode, accepted.stdout).toBe(0);
    expect(accepted.json<UndoDoc>().verify!.checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({ status: 'pass', detail: expect.stringContaining('except 1 accepted difference(s): index events_kind_idx on public.events is missing already') });
    expect(await headOf(p.database)).toBe('001_create-events');
  });

  it('an index added by hand since migrate (a hotfix during the incident) is there before the downs and left as it was: the gate reports it, not fails it (was: exit 3 after the downs ran, telling to restore the whole database); a column the undone up made and an opaque down left still fails', async () => {
    const p = await project(exact);
    const migrated = await runBuiltCli(['migrate', '--backup', 'never', ...p.args]);
    expect(migrated.exitCode, migrated.stderr).toBe(0);
    await cluster.sql(p.database, 'CREATE INDEX hotfix_events_kind_status ON events (kind, status)');
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...p.args]);
    expect(undo.exitCode, undo.stdout).toBe(0);
    const check = undo.json<UndoDoc>().verify!.checks.find((c) => c.id === 'schema-round-trip')!;
    expect(check).toMatchObject({ status: 'pass', detail: expect.stringContaining('made since the record by something other than the undone migrations, there before the downs and left as it was (reported, not failed): index public.events.hotfix_events_kind_status added') });
    expect(await indexesOf(p.database)).toContain('hotfix_events_kind_status');
    expect(await headOf(p.database)).toBe('001_create-events');

    // An up whose SQL hides what it makes (a DO block): an object there before the downs may be its, left by the down —
    // nothing is excused, the gate fails naming it.
    const opaque = await project(await dirWith({ '001_create-events.js': CREATE_EVENTS, '002_add-status-index.js': ADD_STATUS_INDEX_OPAQUE }, 'dbrollback-rt-do-up-'));
    expect((await runBuiltCli(['migrate', '--backup', 'never', ...opaque.args])).exitCode).toBe(0);
    const left = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...opaque.args]);
    expect(left.exitCode, left.stdout).toBe(3);
    expect(left.json<UndoDoc>().verify!.checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({ status: 'fail', detail: expect.stringContaining('index public.events.events_status_kind_idx added') });
  });

  it('without a record, the rehearsal catches the same forgotten column before anything is touched', async () => {
    const p = await project(forgetsColumn);
    await appliedByTool(p.url, forgetsColumn);
    const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...p.args]);
    const doc = plan.json<PlanDoc>();
    expect(doc.roundTrip).toMatchObject({ source: 'rehearsal', ok: false });
    expect(doc.roundTrip!.differences.map((d) => d.message)).toEqual(['down of 002_add-region leaves column public.events.region, which did not exist before 002_add-region']);
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', ...p.args]);
    expect(undo.exitCode).toBe(4);
    expect(undo.stderr).toContain('--accept-schema-difference');
    expect(await headOf(p.database)).toBe('002_add-region');
  });
});

describe('the verify gate failing after an undo on an archiving server', { timeout: 300_000 }, () => {
  let primary: Cluster;
  let storage: string;
  beforeAll(async () => {
    storage = pathToFileURL(await sharedDir('dbrollback-rt-archive-')).href;
    primary = await archivingCluster(storage);
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('names the restore point the undo took as the way back (was: "no backup was taken: --no-backup", with neither given)', async () => {
    const { database } = await primary.createDatabase();
    const url = primary.url(database);
    await baseBackup(storage, url);
    const migrations = await dirWith({ '001_create-events.js': CREATE_EVENTS, '002_add-region.js': ADD_REGION_OPAQUE }, 'dbrollback-rt-region-do-');
    const args = ['--database-url', url, '--migrations', migrations, '--migrator', 'node-pg-migrate', '--storage', storage];
    expect((await runBuiltCli(['migrate', ...args])).exitCode).toBe(0);
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(3);
    const doc = undo.json<Omit<UndoDoc, 'error'> & { error: { code: string; hint: string }; backup: { taken: string; restorePoint: { name: string } | null } }>();
    expect(doc.backup.taken).toBe('restore-point');
    const point = doc.backup.restorePoint!.name;
    expect(doc.error).toMatchObject({ code: 'VERIFY_FAILED' });
    expect(doc.error.hint).toBe(`Keep traffic paused. Inspect the failing checks; to go back to the state before the undo: ${suggested(args)} restore --restore-point ${point} --data-dir DIR (the whole database, recovered from the WAL archive into a new data directory).`);
  });
});
