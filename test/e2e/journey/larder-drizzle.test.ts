/**
 * The on-call journey on a Drizzle project without a WAL archive — the small
 * team's case: `migrations-fixtures/journey/larder`, laid out as Drizzle
 * projects are (drizzle.config.ts at the root, `out: './drizzle'`, the
 * schema in src/db), its history written as drizzle-kit writes one (an older
 * drizzle-kit's `DO $$ … duplicate_object` guards around an enum and foreign
 * keys, a newer one's bare statements, two `--custom` data migrations, a
 * column renamed, a type narrowed, a column dropped, enum values added). The
 * first three migrations were applied by the application's own drizzle-orm
 * migrator; then dbrollback migrate applies the rest, the app breaks on the
 * rename, and the way back is a restore (Drizzle has no downs, and no
 * point-in-time restore can reach anything: the server does not archive WAL).
 * classify → status → migrate → plan → undo (refused) → restore
 * --before-migration --backup auto (refused, naming the backup that works) →
 * restore --backup → migrate --to → verify → drizzle-kit's own migrate
 * carries on from dbrollback's history → drill all, each answer checked
 * against the database and drizzle's history table.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { drizzle as drizzleOrm } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, PROJECT_ROOT, suggested } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { cli, query, sharedDir } from '../../integration/pitr/support.js';

const PROJECT = path.join(FIXTURES, 'journey', 'larder');
const MIGRATIONS = path.join(PROJECT, 'drizzle');
const TAGS = ['0000_wooden_pantry', '0001_brave_tags', '0002_quiet_household', '0003_display_names', '0004_lean_recipes', '0005_tidy_pantry', '0006_spoon_units'];
const DRIZZLE_KIT = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'drizzle-kit');

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; statements: Array<{ line: number; lock: string | null; findings: Array<{ rule: string }> }> }>;
}
interface ErrorDoc {
  error: { code: string; message: string; hint: string };
}

const one = async (url: string, sql: string): Promise<unknown> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0];
const history = async (url: string): Promise<number> => Number(await one(url, 'SELECT count(*) FROM drizzle.__drizzle_migrations'));
const columnsOf = async (url: string, table: string): Promise<string[]> =>
  (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.c);

/** The application's start-up migrator (drizzle-orm's), on a folder holding the journal's first `count` migrations. */
async function appMigrates(url: string, count: number, dir: string): Promise<void> {
  await mkdir(path.join(dir, 'meta'), { recursive: true });
  const journal = JSON.parse(await readFile(path.join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, count);
  await writeFile(path.join(dir, 'meta', '_journal.json'), JSON.stringify(journal, null, 2));
  for (const tag of TAGS.slice(0, count)) await copyFile(path.join(MIGRATIONS, `${tag}.sql`), path.join(dir, `${tag}.sql`));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await drizzleMigrate(drizzleOrm(client), { migrationsFolder: dir });
  } finally {
    await client.end();
  }
}

describe('the journey on a Drizzle larder without a WAL archive', () => {
  let cluster: Cluster;
  let url: string;
  let args: string[];
  let appDir: string;

  beforeAll(async () => {
    cluster = await startCluster();
    const { database } = await cluster.createDatabase();
    url = cluster.url(database);
    const storage = pathToFileURL(await sharedDir('dbrollback-journey-larder-store-')).href;
    appDir = await sharedDir('dbrollback-journey-larder-app-');
    args = ['--migrations', MIGRATIONS, '--database-url', url, '--storage', storage];
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('classify reads the guarded statements as what they guard, and judges the lean-recipes migration breaking', async () => {
    const run = await cli(['classify', MIGRATIONS, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const files = run.json<ClassifyDoc>().files;
    expect(files.map((f) => path.basename(f.path, '.sql'))).toEqual(TAGS);
    const verdicts = Object.fromEntries(files.map((f) => [path.basename(f.path, '.sql'), [f.compatibility, f.dataLoss]]));
    expect(verdicts).toEqual({
      '0000_wooden_pantry': ['additive', 'none'],
      '0001_brave_tags': ['additive', 'none'],
      '0002_quiet_household': ['additive', 'none'],
      '0003_display_names': ['additive', 'rewrite'],
      '0004_lean_recipes': ['breaking', 'destructive'],
      '0005_tidy_pantry': ['additive', 'destructive'],
      '0006_spoon_units': ['additive', 'none'],
    });
    const rules = (tag: string) => files.find((f) => f.path.endsWith(`${tag}.sql`))!.statements.map((s) => s.findings.map((x) => x.rule).sort().join(','));
    expect(rules('0004_lean_recipes')).toEqual(['set-not-null', 'change-column-type,lossy-type-change,narrowing-column-type', 'drop-column', 'rename-column']);
    // The guarded foreign key to a table that existed before locks it; the one between two new tables locks nothing.
    const tags = files.find((f) => f.path.endsWith('0001_brave_tags.sql'))!.statements;
    expect(tags.map((s) => s.lock)).toEqual([null, null, 'SHARE ROW EXCLUSIVE', null]);
  });

  it('at the project root, status names the folder drizzle.config.ts sends drizzle-kit to', async () => {
    const run = await runBuiltCli(['status', '--database-url', url], { cwd: PROJECT });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('pass --migrations drizzle');
  });

  it('migrate after the app\'s own migrator, the rename breaks the app: undo refused, the way back a restore of the backup migrate took, then forward again, drizzle-kit agreeing', async () => {
    await appMigrates(url, 3, appDir);
    expect(await history(url)).toBe(3);
    await query(url, `
      INSERT INTO users (email, display_name) SELECT 'cook' || g || '@larder.test', CASE WHEN g % 3 = 0 THEN NULL ELSE 'Cook ' || g END FROM generate_series(1, 60) g;
      INSERT INTO recipes (author_id, title, servings) SELECT 1 + g % 60, 'Recipe ' || g, 1 + g % 8 FROM generate_series(1, 120) g;
      INSERT INTO ingredients (recipe_id, name, amount) SELECT 1 + g % 120, 'Ingredient ' || g, (g % 1000) / 7.0 FROM generate_series(1, 400) g;
      INSERT INTO pantry_items (user_id, name, qty, best_before) SELECT 1 + g % 60, 'Item ' || g, g % 17, CASE WHEN g % 4 = 0 THEN current_date - 500 ELSE current_date + g % 90 END FROM generate_series(1, 200) g;
    `);
    const servings = await one(url, 'SELECT sum(servings)::int FROM recipes');

    // migrate: one logical backup before the batch (restore points would be worthless without an archive, and say so).
    const migrate = await cli(['migrate', '--json', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const applied = migrate.json<{ applied: string[]; backupId: string }>();
    expect(applied.applied).toEqual(TAGS.slice(3));
    expect(await history(url)).toBe(7);
    expect(await columnsOf(url, 'pantry_items')).toContain('quantity');
    expect(await one(url, 'SELECT count(*)::int FROM pantry_items')).toBe(150);
    const status = await cli(['status', '--json', ...args]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain('"archived": false');

    // plan: a restore, the point-in-time route out of reach, the backup at the head before the batch with what to apply again.
    const plan = await cli(['plan', '--to', '0003_display_names', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const doc = plan.json<{ type: string; pitrUnreachable: string | null; recommendation: string }>();
    expect(doc.type).toBe('restore');
    expect(doc.pitrUnreachable).toContain('not archiving WAL');
    expect(doc.recommendation).toContain(`${suggested(args)} restore --backup ${applied.backupId}`);
    expect(doc.recommendation).toContain(`apply them again with ${suggested(args)} migrate --to 0003_display_names`);
    expect(doc.recommendation).not.toContain('--data-dir');

    // undo: refused before anything, naming the restore.
    const undo = await cli(['undo', '--to', '0003_display_names', '--yes', '--json', ...args]);
    expect(undo.exitCode, undo.stdout).toBe(4);
    expect(undo.json<ErrorDoc>().error.hint).toContain(`${suggested(args)} restore --backup ${applied.backupId}`);
    expect(await history(url)).toBe(7);

    // Only the enum values of 0006 to roll back: additive, so the schema stays — a restore would discard every write
    // since the backup and three more migrations; it is named only for a schema that must go anyway.
    const additive = await cli(['plan', '--to', '0005_tidy_pantry', '--json', ...args]);
    expect(additive.exitCode, additive.stderr).toBe(0);
    const keep = additive.json<{ type: string; recommendation: string; steps: Array<{ action: string }> }>();
    expect(keep.type).toBe('schema-stays');
    expect(keep.recommendation).toMatch(/^Leave the database as it is and roll back the application: the old version runs on the new schema\. Drizzle has no down migrations: if the schema must go back anyway, restore to the moment before 0006_spoon_units/);
    expect(keep.steps.map((s) => s.action)).toEqual(['keep-schema', 'pause-traffic', 'backup', 'restore', 'verify', 'resume-traffic']);
    const keepUndo = await cli(['undo', '--to', '0005_tidy_pantry', '--yes', '--json', ...args]);
    expect(keepUndo.exitCode, keepUndo.stdout).toBe(4);
    expect(keepUndo.json<ErrorDoc>().error.hint).toContain(`The schema may stay (see \`${suggested(args)} plan\`): roll back the application only; or restore to before it from a logical backup: ${suggested(args)} restore --backup ${applied.backupId} (it holds the database at head 0002_quiet_household: apply the migrations after it again with ${suggested(args)} migrate --to 0005_tidy_pantry)`);

    // restore --before-migration --backup auto: no backup at 0003's head — refused, naming the one that works, not a
    // point-in-time restore that cannot reach the moment.
    const auto = await cli(['restore', '--before-migration', '0004_lean_recipes', '--backup', 'auto', '--yes', '--json', ...args]);
    expect(auto.exitCode, auto.stdout).toBe(2);
    const refusal = auto.json<ErrorDoc>().error;
    expect(refusal.code).toBe('BACKUP_NOT_FOUND');
    expect(refusal.hint).toContain(`${suggested(args)} restore --backup ${applied.backupId} (it holds the database at head 0002_quiet_household: apply the migrations after it again with ${suggested(args)} migrate --to 0003_display_names)`);
    expect(refusal.hint).toContain('no point-in-time restore can reach the moment before 0004_lean_recipes (the restore point migrate made before 0004_lean_recipes (');
    expect(refusal.hint).not.toContain('--data-dir');
    expect(await history(url)).toBe(7);

    // The restore the plan named, then forward to 0003 again.
    await query(url, "INSERT INTO users (email, display_name) VALUES ('late@larder.test', 'Late')");
    const restore = await cli(['restore', '--backup', applied.backupId, '--yes', '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(await history(url)).toBe(3);
    expect(await one(url, 'SELECT sum(servings)::int FROM recipes')).toBe(servings);
    expect(await one(url, 'SELECT count(*)::int FROM pantry_items')).toBe(200);
    expect(await one(url, "SELECT count(*)::int FROM users WHERE email = 'late@larder.test'")).toBe(0);
    const forward = await cli(['migrate', '--to', '0003_display_names', '--json', ...args]);
    expect(forward.exitCode, forward.stderr).toBe(0);
    expect(forward.json<{ applied: string[] }>().applied).toEqual(['0003_display_names']);
    expect(await one(url, 'SELECT count(*)::int FROM users WHERE display_name IS NULL')).toBe(0);
    const verify = await cli(['verify', '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);

    // drizzle-kit's own migrate (the team's deploy step) carries on from the history dbrollback left.
    const kit = await promisify(execFile)(DRIZZLE_KIT, ['migrate'], { cwd: PROJECT, env: { ...process.env, DATABASE_URL: url } });
    expect(kit.stdout + kit.stderr).toContain('migrations applied successfully');
    expect(await history(url)).toBe(7);
    const after = await cli(['status', '--json', ...args]);
    expect(after.json<{ head: string | null; pending: unknown[] }>()).toMatchObject({ head: '0006_spoon_units', pending: [] });
  }, 600_000);

  it('drill all rehearses the restore-only way back of every migration on a throwaway server', async () => {
    const drill = await cli(['drill', 'all', '--provider', 'local', '--json', ...args]);
    expect(drill.exitCode, drill.stdout).toBe(0);
    const scenarios = drill.json<{ ok: boolean; scenarios: Array<{ name: string; status: string; detail: string }> }>().scenarios;
    expect(scenarios.map((s) => [s.name, s.status])).toEqual([
      ['migrations', 'pass'],
      ['restore', 'pass'],
      ['pitr', 'skip'],
    ]);
    expect(scenarios[0]!.detail).toContain('the drizzle way back (a restore: it has no downs) rehearsed 7 time(s) and matched');
  }, 600_000);
});
