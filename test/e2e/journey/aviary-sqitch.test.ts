/**
 * The on-call journey on a Sqitch project laid out as Sqitch's own tutorial
 * lays one out, not as the shop fixture: `migrations-fixtures/journey/aviary`
 * — sqitch.conf with `top_dir = db` (the plan and scripts under db/),
 * dependencies, two tags, a function reworked after the second tag (its
 * earlier scripts `add_keeper@v0.2.sql`, named for the newest tag between it
 * and the rework, as `sqitch rework` writes them), a CONCURRENTLY index
 * without BEGIN, scripts with their own BEGIN/COMMIT, and a change whose plan
 * order is not its name's. classify → migrate (restore points, WAL archived)
 * → undo (done, and refused) → restore --before-migration --tables → a
 * revert to the reworked change (Sqitch's `name@HEAD`) and past it (a revert
 * that leaves the extension its deploy made: refused before it runs), each
 * answer checked against the database and Sqitch's registry.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { cli, query } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const PROJECT = path.join(FIXTURES, 'journey', 'aviary');
/** Sqitch's order (the plan's), not the names' order. */
const PLAN_ORDER = ['appschema', 'keepers', 'add_keeper@v0.2', 'reset_pass', 'sightings', 'sightings_keeper_idx', 'add_keeper', 'sightings_kind', 'keepers_drop_pager'];

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; transactional: boolean; statements: Array<{ findings: Array<{ rule: string }> }> }>;
}

const one = async (url: string, sql: string): Promise<string | null> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string | null;
const registry = async (url: string): Promise<string[]> => (await query<{ change: string }>(url, 'SELECT change FROM sqitch.changes ORDER BY committed_at')).map((r) => r.change);

describe('the journey on a Sqitch aviary project (top_dir, tags, a reworked function)', () => {
  let primary: Cluster;
  let url: string;
  let storage: string;
  let args: string[];

  beforeAll(async () => {
    ({ primary, url, storage, args } = await journeyProduction('dbrollback-journey-aviary-', ['--migrations', PROJECT]));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify reads the project as its plan lists it: plan order, the reworked scripts, no transaction Sqitch does not open', async () => {
    for (const target of [PROJECT, path.join(PROJECT, 'db', 'deploy')]) {
      const run = await cli(['classify', target, '--json']);
      expect(run.exitCode, run.stderr).toBe(0);
      const files = run.json<ClassifyDoc>().files;
      expect(files.map((f) => path.basename(f.path, '.sql'))).toEqual(PLAN_ORDER);
      // Sqitch runs each script through psql as written: its BEGIN is its own, not one nested in the tool's.
      expect(files.flatMap((f) => f.statements.flatMap((s) => s.findings.map((x) => x.rule)))).not.toContain('transaction-nesting');
      const byName = Object.fromEntries(files.map((f) => [path.basename(f.path, '.sql'), f]));
      expect(byName.sightings_keeper_idx).toMatchObject({ transactional: false });
      expect(byName.keepers).toMatchObject({ transactional: true });
      expect(byName.keepers_drop_pager).toMatchObject({ compatibility: 'breaking', dataLoss: 'destructive', reversible: false });
      expect(byName.add_keeper).toMatchObject({ compatibility: 'additive', dataLoss: 'none' });
    }
  });

  it('migrate deploys the reworked change (Sqitch only takes it as add_keeper@HEAD), undo reverts, refuses, restore --tables brings the dropped column back', async () => {
    const first = await cli(['migrate', '--to', 'sightings_keeper_idx', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    await query(url, "SELECT aviary.add_keeper('rui', 'secret'); SELECT aviary.add_keeper('eva', 'hunter2')");
    await query(url, "UPDATE aviary.keepers SET pager = nickname || '-pager'");
    await query(url, "INSERT INTO aviary.sightings (nickname, body) VALUES ('rui', 'a heron'), ('eva', 'two swifts')");
    expect(await one(url, "SELECT password FROM aviary.keepers WHERE nickname = 'rui'")).toBe('5ebe2294ecd0e0f08eab7690d2a6ee69'); // md5('secret')

    const rest = await cli(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.json<{ applied: string[] }>().applied).toEqual(['add_keeper', 'sightings_kind', 'keepers_drop_pager']);
    // The rework is deployed: the function now hashes with pgcrypto's crypt(); Sqitch's registry holds both instances.
    expect(await one(url, "SELECT pg_get_functiondef('aviary.add_keeper(text, text)'::regprocedure) LIKE '%gen_salt%'")).toBe(true);
    expect(await registry(url)).toEqual(['appschema', 'keepers', 'add_keeper', 'reset_pass', 'sightings', 'sightings_keeper_idx', 'add_keeper', 'sightings_kind', 'keepers_drop_pager']);
    const status = await cli(['status', '--json', ...args]);
    expect(status.json<{ migrations: Array<{ name: string; applied: boolean; down: string }> }>().migrations.map((m) => [m.name, m.applied, m.down])).toEqual(PLAN_ORDER.map((n) => [n, true, 'yes']));

    // The dropped column's values are gone for good: undo refuses, nothing touched.
    const refused = await cli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(refused.exitCode, refused.stdout).toBe(4);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('IRREVERSIBLE');
    expect((await registry(url)).at(-1)).toBe('keepers_drop_pager');

    // restore --before-migration --tables: the keepers as they were, pager values included, beside the live table.
    const restore = await cli(['restore', '--before-migration', 'keepers_drop_pager', '--tables', 'aviary.keepers', '--into-database', url, '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const recovered = restore.json<{ tables: Array<{ table: string; now: string; rows: number; matches: boolean }> }>().tables;
    expect(recovered).toEqual([expect.objectContaining({ table: 'aviary.keepers', rows: 2, matches: true })]);
    expect((await query<{ pager: string }>(url, `SELECT pager FROM ${recovered[0]!.now} ORDER BY nickname`)).map((r) => r.pager)).toEqual(['eva-pager', 'rui-pager']);
  }, 600_000);

  it('undo back to the reworked change (Sqitch revert --to add_keeper@HEAD), then past the rework: the md5 function back, sqitch verify passing', async () => {
    const { database } = await primary.createDatabase();
    const fresh = ['--migrations', PROJECT, '--database-url', primary.url(database), '--storage', storage];
    const freshUrl = primary.url(database);
    expect((await cli(['migrate', '--to', 'sightings_kind', '--backup', 'never', ...fresh])).exitCode).toBe(0);
    await query(freshUrl, "SELECT aviary.add_keeper('ida', 'pw')");

    // The head left is the reworked add_keeper: the revert must name it add_keeper@HEAD, or Sqitch refuses the lookup.
    const kind = await cli(['undo', '--count', '1', '--yes', '--accept-data-loss', '--json', ...fresh]);
    expect(kind.exitCode, kind.stdout).toBe(0);
    expect(kind.json<{ undone: string[] }>().undone).toEqual(['sightings_kind']);
    expect(await one(freshUrl, "SELECT to_regtype('aviary.sighting_kind')::text")).toBeNull();

    // The rework's revert puts the md5 function back but leaves the pgcrypto extension its deploy created: said before
    // anything runs (it used to run the revert and fail the verify gate after it, traffic paused).
    const leaves = await cli(['undo', '--to', 'sightings_keeper_idx', '--yes', '--json', ...fresh]);
    expect(leaves.exitCode, leaves.stdout).toBe(4);
    expect(leaves.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'SCHEMA_ROUND_TRIP', message: expect.stringContaining('down of add_keeper leaves extension pgcrypto, which did not exist before add_keeper') });
    expect((await registry(freshUrl)).at(-1)).toBe('add_keeper');
    const rework = await cli(['undo', '--to', 'sightings_keeper_idx', '--yes', '--accept-schema-difference', '--json', ...fresh]);
    expect(rework.exitCode, rework.stdout).toBe(0);
    expect(rework.json<{ undone: string[]; verify: { ok: boolean } }>()).toMatchObject({ undone: ['add_keeper'], verify: { ok: true } });
    expect(await one(freshUrl, "SELECT pg_get_functiondef('aviary.add_keeper(text, text)'::regprocedure) LIKE '%md5(%'")).toBe(true);
    expect(await registry(freshUrl)).toEqual(['appschema', 'keepers', 'add_keeper', 'reset_pass', 'sightings', 'sightings_keeper_idx']);
  }, 600_000);
});

describe('undo in steps below a tag, and the drill of the whole project', () => {
  let primary: Cluster;
  let storage: string;

  beforeAll(async () => {
    ({ primary, storage } = await journeyProduction('dbrollback-journey-aviary-steps-', ['--migrations', PROJECT]));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('a second undo keeps the earlier add_keeper once the first took tag v0.2 away (Sqitch looked add_keeper@v0.2 up through the tag: "Change not deployed")', async () => {
    const { database } = await primary.createDatabase();
    const url = primary.url(database);
    const args = ['--migrations', PROJECT, '--database-url', url, '--storage', storage];
    expect((await cli(['migrate', '--to', 'sightings_keeper_idx', '--backup', 'never', ...args])).exitCode).toBe(0);
    const first = await cli(['undo', '--count', '2', '--yes', '--json', ...args]);
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.json<{ undone: string[] }>().undone).toEqual(['sightings_keeper_idx', 'sightings']);
    expect(await one(url, "SELECT count(*)::text FROM sqitch.tags WHERE tag = '@v0.2'")).toBe('0');
    const second = await cli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.json<{ undone: string[]; verify: { ok: boolean } }>()).toMatchObject({ undone: ['reset_pass'], verify: { ok: true } });
    expect(await registry(url)).toEqual(['appschema', 'keepers', 'add_keeper']);
  }, 600_000);

  it('drill all --provider local: every down rehearsed, only the revert of the rework found leaving pgcrypto; pitr recovers production', async () => {
    const { database } = await primary.createDatabase();
    const args = ['--migrations', PROJECT, '--database-url', primary.url(database), '--storage', storage];
    expect((await cli(['migrate', ...args])).exitCode).toBe(0);
    // Every change's deploy and revert through sqitch, a restore and a recovery: minutes on a loaded 2-core machine.
    const drill = await runBuiltCli(['drill', 'all', '--provider', 'local', '--keep-going', '--json', ...args], { timeoutMs: 540_000 });
    expect(drill.exitCode, drill.stdout).toBe(3);
    const scenarios = drill.json<{ scenarios: Array<{ name: string; status: string; steps: Array<{ name: string; status: string; detail: string }> }> }>().scenarios;
    expect(scenarios.map((s) => [s.name, s.status])).toEqual([
      ['migrations', 'fail'],
      // migrate's safety net was a restore point in the healthy WAL archive: no logical backup to rehearse.
      ['restore', 'skip'],
      ['pitr', 'pass'],
    ]);
    const failed = scenarios[0]!.steps.filter((st) => st.status !== 'pass');
    expect(failed.map((st) => [st.name, st.detail])).toEqual([['down add_keeper', 'the schema differs from before add_keeper: extension pgcrypto added']]);
    // Every other change's revert ran and brought its schema back, the reworked one's earlier instance included.
    expect(scenarios[0]!.steps.filter((st) => st.name.startsWith('down ')).map((st) => st.name)).toEqual(
      ['down keepers_drop_pager', 'down sightings_kind', 'down add_keeper', 'down sightings_keeper_idx', 'down sightings', 'down reset_pass', 'down add_keeper@v0.2', 'down keepers', 'down appschema'],
    );
  }, 600_000);
});

describe('the on-call engineer in the Sqitch project root', () => {
  it('status without --migrations names --migrations . in its refusal (the root holds sqitch.conf)', async () => {
    const run = await runBuiltCli(['status'], { cwd: PROJECT });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("./sqitch.conf is a Sqitch project's: pass --migrations .");
  });
});
