/**
 * A standalone `dbrollback verify` (no undo: someone on call ran the tool's
 * own down by hand) compares the schema with the one `migrate` recorded at
 * the migration head, through the built CLI on real clusters: a down that
 * drops an index too many fails the gate naming it; a clean down passes;
 * without a record (or only another database's) the check skips saying why.
 */
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli, suggested } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { dirWith, removeTempDirs } from '../harness/fixtures.js';

const CREATE_EVENTS = `exports.up = (pgm) => {
  pgm.createTable('events', {
    id: 'id',
    kind: { type: 'text', notNull: true },
    actor_id: { type: 'integer' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.createIndex('events', 'kind', { name: 'events_kind_idx' });
  pgm.createIndex('events', 'actor_id', { name: 'events_actor_id_idx' });
  pgm.addConstraint('events', 'events_actor_positive', { check: 'actor_id > 0' });
};
exports.down = (pgm) => {
  pgm.dropTable('events');
};
`;

/** The bad down: besides what its up added, it drops an index 001 created. */
const ADD_PAYLOAD_BAD_DOWN = `exports.up = (pgm) => {
  pgm.addColumns('events', { payload: { type: 'jsonb' } });
  pgm.createIndex('events', 'created_at', { name: 'events_created_at_idx' });
};
exports.down = (pgm) => {
  pgm.dropIndex('events', 'created_at', { name: 'events_created_at_idx' });
  pgm.dropIndex('events', 'kind', { name: 'events_kind_idx' });
  pgm.dropColumns('events', ['payload']);
};
`;

/** A down that forgets the column its up added. */
const ADD_REGION_FORGETS = `exports.up = (pgm) => {
  pgm.addColumns('events', { region: { type: 'text' } });
};
exports.down = (pgm) => {
  pgm.sql('SELECT 1');
};
`;

/** An exact round trip. */
const ADD_NOTE = `exports.up = (pgm) => {
  pgm.addColumns('events', { note: { type: 'text', default: 'none' } });
};
exports.down = (pgm) => {
  pgm.dropColumns('events', ['note']);
};
`;

interface VerifyDoc {
  ok: boolean;
  checks: Array<{ id: string; status: string; detail: string; problems?: string[]; data?: Record<string, unknown> }>;
  error?: { code: string; message: string };
}

describe('standalone verify against the schema recorded at the head (built CLI)', { timeout: 300_000 }, () => {
  let cluster: Cluster;
  let badDown: string;
  let forgets: string;

  beforeAll(async () => {
    cluster = await startCluster();
    badDown = await dirWith({ '001_create-events.js': CREATE_EVENTS, '002_add-payload.js': ADD_PAYLOAD_BAD_DOWN, '003_add-note.js': ADD_NOTE }, 'dbrollback-vh-bad-');
    forgets = await dirWith({ '001_create-events.js': CREATE_EVENTS, '002_add-region.js': ADD_REGION_FORGETS }, 'dbrollback-vh-forgets-');
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  async function project(migrations: string, storage?: string, on: Cluster = cluster, name?: string) {
    const { database } = await on.createDatabase(name);
    const url = on.url(database);
    const store = storage ?? (await dirWith({}, 'dbrollback-vh-storage-'));
    const args = ['--database-url', url, '--migrations', migrations, '--migrator', 'node-pg-migrate', '--storage', store];
    return { database, url, storage: store, args };
  }

  /** node-pg-migrate's own CLI, as someone on call runs it: no dbrollback in between, nothing recorded. */
  async function tool(url: string, migrations: string, ...command: string[]): Promise<void> {
    await execa(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js'), ...command, '-m', migrations], { env: { ...process.env, DATABASE_URL: url } });
  }

  async function verifyJson(args: string[]): Promise<{ exitCode: number; doc: VerifyDoc; check: VerifyDoc['checks'][number] }> {
    const run = await runBuiltCli(['verify', '--json', ...args]);
    const doc = run.json<VerifyDoc>();
    return { exitCode: run.exitCode, doc, check: doc.checks.find((c) => c.id === 'schema-round-trip')! };
  }

  it('after the tool\'s own downs: a clean down passes, an index added by hand is reported and passes, and a down that drops an index too many exits 3 naming it with its recorded definition', async () => {
    const p = await project(badDown);
    const migrated = await runBuiltCli(['migrate', '--backup', 'never', ...p.args]);
    expect(migrated.exitCode, migrated.stderr).toBe(0);

    // At the newest head nothing was recorded after it: skip, saying so.
    const newest = await verifyJson(p.args);
    expect(newest.check).toMatchObject({ status: 'skip' });
    expect(newest.check.detail).toMatch(/no migration follows head 003_add-note/);

    // A clean down by hand: the schema is the one recorded before 003 (at head 002).
    await tool(p.url, badDown, 'down', '1');
    const clean = await verifyJson(p.args);
    expect(clean.exitCode, JSON.stringify(clean.doc)).toBe(0);
    expect(clean.doc.ok).toBe(true);
    expect(clean.check.status).toBe('pass');
    expect(clean.check.detail).toMatch(/^the schema holds everything recorded at head 002_add-payload \(before 003_add-note, /);
    // The JSON contract: {ok, checks: [{id, status, detail}]}.
    for (const c of clean.doc.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'status', 'detail']));

    // Beyond the record, made by hand: reported, not failed.
    await cluster.sql(p.database, 'CREATE INDEX hotfix_actor_idx ON events (actor_id, kind)');
    const extra = await verifyJson(p.args);
    expect(extra.exitCode).toBe(0);
    expect(extra.check.status).toBe('pass');
    expect(extra.check.detail).toMatch(/beyond it \(reported, not failed.*index public\.events\.hotfix_actor_idx added/);
    await cluster.sql(p.database, 'DROP INDEX hotfix_actor_idx');

    // The bad down: it drops events_kind_idx, which 001 created.
    await tool(p.url, badDown, 'down', '1');
    const bad = await runBuiltCli(['verify', '--json', ...p.args]);
    expect(bad.exitCode, bad.stderr).toBe(3);
    const doc = bad.json<VerifyDoc>();
    expect(doc.ok).toBe(false);
    const check = doc.checks.find((c) => c.id === 'schema-round-trip')!;
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(/^the schema differs from the one recorded at head 001_create-events \(before 002_add-payload, [^)]+\): index events_kind_idx on public\.events$/);
    expect(check.problems![0]).toMatch(/^index events_kind_idx on public\.events is missing; as recorded: CREATE INDEX events_kind_idx ON public\.events USING btree \(kind\);$/);
    // Commands as the user runs them: their global flags repeated (no password).
    expect(check.problems!.at(-1)).toContain(`then run ${suggested(p.args)} verify again. A difference made on purpose: ${suggested(p.args)} verify --skip-checks schema-round-trip`);
    expect(check.data).toMatchObject({ against: 'head-record', head: '001_create-events', before: '002_add-payload', missing: ['index events_kind_idx on public.events'], matchedBy: 'cluster' });
    expect(doc.error?.code).toBe('VERIFY_FAILED');

    const human = await runBuiltCli(['verify', ...p.args]);
    expect(human.exitCode).toBe(3);
    expect(human.stdout).toMatch(/FAIL\s+schema-round-trip\s+the schema differs .*events_kind_idx/);
    expect(human.stdout).toMatch(/do not return traffic/);

    // The recorded definition, run as printed, brings it back: the gate passes.
    await cluster.sql(p.database, check.problems![0]!.replace(/^.*as recorded: /, ''));
    const fixed = await verifyJson(p.args);
    expect(fixed.exitCode).toBe(0);
    expect(fixed.check.status).toBe('pass');
  });

  it('a column a down left behind, which the up of the migration after the head creates, fails the gate', async () => {
    const p = await project(forgets);
    expect((await runBuiltCli(['migrate', '--backup', 'never', ...p.args])).exitCode).toBe(0);
    await tool(p.url, forgets, 'down', '1');
    const left = await verifyJson(p.args);
    expect(left.exitCode).toBe(3);
    expect(left.check.status).toBe('fail');
    expect(left.check.problems![0]).toBe('column public.events.region added (text): the up of 002_add-region creates it, so a down left it behind (applying 002_add-region again would fail on it)');
  });

  it('without a record the check skips, saying why and what would make it run: applied by the tool itself, another database\'s record, no storage, another cluster\'s record', async () => {
    // Applied and undone by the tool itself: nothing recorded.
    const byTool = await project(badDown);
    await tool(byTool.url, badDown, 'up');
    await tool(byTool.url, badDown, 'down', '1');
    const none = await verifyJson(byTool.args);
    expect(none.exitCode).toBe(0);
    expect(none.check.status).toBe('skip');
    expect(none.check.detail).toMatch(new RegExp(`no schema of database "${byTool.database}" was recorded before 003_add-note at head 002_add-payload .*migrations applied with dbrollback .* migrate are recorded`));

    // Another database (same cluster, same storage) has records: never used for this one.
    const recorded = await project(badDown, byTool.storage);
    expect((await runBuiltCli(['migrate', '--backup', 'never', ...recorded.args])).exitCode).toBe(0);
    const still = await verifyJson(byTool.args);
    expect(still.check.status).toBe('skip');
    expect(still.check.detail).toMatch(/no schema of database .* was recorded before 003_add-note/);

    // No storage configured: nothing to read the records from.
    const noStorage = await verifyJson(recorded.args.slice(0, -2));
    expect(noStorage.check.status).toBe('skip');
    expect(noStorage.check.detail).toMatch(/no storage is configured \(pass --storage URL or set DBROLLBACK_STORAGE/);

    // No migrations configured: the head is read from the history table, but which migration follows it is not known.
    const noProject = await verifyJson(['--database-url', recorded.url, '--storage', recorded.storage]);
    expect(noProject.check.status).toBe('skip');
    expect(noProject.check.detail).toMatch(/^no schema recorded at the migration head to compare with: the migration tool could not be opened: .*pass --migrations DIR/);

    // No history table at all and no migrations: the head is unknown.
    const bare = await cluster.createDatabase();
    const headless = await verifyJson(['--database-url', cluster.url(bare.database), '--storage', recorded.storage]);
    expect(headless.check.status).toBe('skip');
    expect(headless.check.detail).toMatch(/^no schema recorded at the migration head to compare with: the migration head is not known \(.*\); pass --migrations DIR \(and --migrator TOOL\)/);

    // A storage whose records cannot be read (encrypted with another key): skip, naming why; with the key, compared.
    const keyed = await project(badDown);
    const key = (byte: string) => ({ DBROLLBACK_ENCRYPTION_KEY: byte.repeat(64) });
    expect((await runBuiltCli(['migrate', '--backup', 'never', ...keyed.args], { env: key('a') })).exitCode).toBe(0);
    await tool(keyed.url, badDown, 'down', '1');
    const wrongKey = await runBuiltCli(['verify', '--json', ...keyed.args], { env: key('b') });
    expect(wrongKey.exitCode, wrongKey.stderr).toBe(0);
    expect(wrongKey.json<VerifyDoc>().checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/^no schema recorded at the migration head to compare with: the schema records in the storage could not be read: /) });
    const rightKey = await runBuiltCli(['verify', '--json', ...keyed.args], { env: key('a') });
    expect(rightKey.json<VerifyDoc>().checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({ status: 'pass' });

    // A database of the same name on another cluster, same storage: its records are another cluster's.
    const other = await startCluster();
    try {
      const twin = await project(badDown, recorded.storage, other, recorded.database);
      await tool(twin.url, badDown, 'up');
      // plan and undo do not take the other cluster's record either: the round trip is rehearsed (was: 'record').
      const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...twin.args]);
      expect(plan.exitCode, plan.stderr).toBe(0);
      expect(plan.json<{ roundTrip: { source: string } }>().roundTrip.source).toBe('rehearsal');
      await tool(twin.url, badDown, 'down', '2');
      const twinCheck = await verifyJson(twin.args);
      expect(twinCheck.exitCode, JSON.stringify(twinCheck.doc)).toBe(0);
      expect(twinCheck.check.status).toBe('skip');
      expect(twinCheck.check.detail).toMatch(/another cluster/);
    } finally {
      await other.stop();
    }
  });
});
