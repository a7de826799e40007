/**
 * The on-call journey on a CommonJS umzug project:
 * `migrations-fixtures/journey/depot` (no "type" in package.json; the
 * config is a CommonJS `dbrollback.config.js` requiring the project's own
 * `db/umzug.js`): a pg `Pool` as umzug's context, a storage class writing
 * its own `migration_log (id, name, checksum, run_on)` table, and a
 * `resolve` that renames migrations and hands `.js` files to umzug's own
 * resolver and `NAME.up.sql` files to the SQL resolver umzug's README shows
 * (`NAME.down.sql` beside it). Its migrations: `module.exports = { async
 * up() }` methods, `exports.up =`, arrow `up:`/`down:`, an enum value with
 * no down, a CONCURRENTLY index, a backfill whose down throws, a rename, a
 * dropped column whose `.up.sql` has no `.down.sql`. The team's own
 * `npm run migrate -- up --step 3` first, then dbrollback migrate (restore
 * points, WAL archived through the built CLI's wal-push) → plan → undo
 * (done, refused for the data, refused for good) → restore
 * --before-migration --tables and to a point in time → the team's umzug
 * carrying on → verify → drill all; each answer checked against the
 * database and migration_log.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, suggested } from '../../harness/cli.js';
import { freePort, type Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { archiveCurrentSegment, query, sharedDir, stopCopy } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const PROJECT = path.join(FIXTURES, 'journey', 'depot');
const NAMES = [
  '2024.03.01T09.00.00.create-warehouses-and-items',
  '2024.03.04T10.30.00.create-suppliers',
  '2024.03.08T14.00.00.add-item-status',
  '2024.03.12T08.00.00.item-status-archived',
  '2024.03.15T16.00.00.index-stock-moves-item',
  '2024.03.20T11.00.00.backfill-item-status',
  '2024.03.25T09.00.00.rename-items-label',
  '2024.04.02T13.00.00.add-warehouses-region',
  '2024.04.09T10.00.00.drop-items-legacy-sku',
  '2024.04.16T15.00.00.create-reorder-rules',
  '2024.04.23T09.00.00.stock-moves-reason',
  '2024.04.30T12.00.00.warehouses-name-length',
] as const;
const [CREATE, , , ARCHIVED, INDEX, BACKFILL, RENAME, REGION, DROP_SKU, REORDER, REASON, NAME_LENGTH] = NAMES;
const NO_DOWN_SQL = `no ${DROP_SKU}.down.sql beside ${DROP_SKU}.up.sql`;

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; down: { kind: string } | null }>;
}
interface ErrorDoc {
  error: { code: string; message: string; hint: string };
}
interface UndoDoc {
  undone: string[];
  verify: { ok: boolean; checks: Array<{ id: string; status: string; detail: string }> } | null;
}
interface StatusDoc {
  head: string | null;
  pending: string[];
  appliedAtNote?: string;
  migrations: Array<{ name: string; down: string; downNote?: string; restorePoint: { name: string } | null }>;
}

const one = async (url: string, sql: string): Promise<unknown> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0];
/** migration_log as the project's storage reads it: the names in run order. */
const history = async (url: string): Promise<string[]> => (await query<{ name: string }>(url, 'SELECT name FROM migration_log ORDER BY id')).map((r) => r.name);
const columnsOf = async (url: string, table: string): Promise<string[]> =>
  (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.c);
const indexesOf = async (url: string, table: string): Promise<string[]> => (await query<{ i: string }>(url, `SELECT indexname AS i FROM pg_indexes WHERE schemaname = 'public' AND tablename = '${table}' ORDER BY 1`)).map((r) => r.i);

/** The built CLI in the project root, where it finds dbrollback.config.js (CommonJS). */
const inProject = (args: string[]) => runBuiltCli(args, { cwd: PROJECT });

/** The team's deploy step: `npm run migrate -- …` in the project root, umzug's own CLI over db/umzug.js. */
async function teamMigrate(url: string, ...args: string[]): Promise<string> {
  const run = await execa(process.execPath, ['db/migrate.js', ...args], { cwd: PROJECT, env: { ...process.env, DATABASE_URL: url } });
  return run.stdout + run.stderr;
}

describe('the journey on a CommonJS umzug depot', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];

  beforeAll(async () => {
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-umzug-store-', []));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it("classify runs the CommonJS migrations through umzug's own resolver (methods, arrows, exports.up) in a scratch database; status in the project root lists every down as the resolve gives it", async () => {
    const classify = await inProject(['classify', 'db/migrations', '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const verdicts = Object.fromEntries(classify.json<ClassifyDoc>().files.map((f) => [path.basename(f.path).replace(/\.(js|up\.sql)$/, ''), [f.compatibility, f.dataLoss, f.reversible, f.down?.kind]]));
    expect(Object.keys(verdicts)).toEqual([...NAMES]);
    expect(verdicts).toMatchObject({
      [CREATE]: ['additive', 'none', true, 'yes'],
      [ARCHIVED]: ['additive', 'none', false, 'missing'],
      [INDEX]: ['additive', 'none', true, 'yes'],
      [BACKFILL]: ['additive', 'rewrite', false, 'irreversible'],
      [RENAME]: ['breaking', 'none', true, 'yes'],
      [REGION]: ['additive', 'none', true, 'yes'],
      [DROP_SKU]: ['breaking', 'destructive', false, 'missing'],
      [REASON]: ['additive', 'none', true, 'yes'],
      [NAME_LENGTH]: ['breaking', 'none', true, 'yes'],
    });

    const status = await inProject(['status', '--database-url', url, '--storage', storage, '--json']);
    expect(status.exitCode, status.stderr).toBe(0);
    const doc = status.json<StatusDoc & { migrator: string }>();
    expect(doc).toMatchObject({ migrator: 'umzug', head: null, pending: [...NAMES] });
    // The .up.sql with no .down.sql: missing, not the "yes" its resolve's always-present down function suggests.
    expect(doc.migrations.filter((m) => m.down !== 'yes').map((m) => [m.name, m.down, m.downNote])).toEqual([
      [ARCHIVED, 'missing', undefined],
      [BACKFILL, 'irreversible', 'its down throws ("Irreversible: the statuses the backfill replaced are not kept anywhere")'],
      [DROP_SKU, 'missing', NO_DOWN_SQL],
    ]);
    const text = await inProject(['status', '--database-url', url, '--storage', storage]);
    expect(text.stdout).toContain(`NO (missing: ${NO_DOWN_SQL})`);
  });

  it("after the team's umzug up: migrate, plan, undo (done and refused), restore --tables and to a point in time, the team's umzug carrying on, verify", async () => {
    expect(await teamMigrate(url, 'up', '--step', '3')).toContain('applied 3 migrations');
    expect(await history(url)).toEqual(NAMES.slice(0, 3));
    await primary.sql(new URL(url).pathname.slice(1), await readFile(path.join(PROJECT, 'seed.sql'), 'utf8'));

    // migrate: a restore point before each migration; the CommonJS ups run through umzug's resolver as under the team's script.
    const first = await inProject(['migrate', '--to', REORDER, '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    const applied = first.json<{ applied: string[]; backupId: string | null; migrations: Array<{ name: string; restorePoint: { name: string } | null }> }>();
    expect(applied.applied).toEqual(NAMES.slice(3, 10));
    expect(applied.backupId).toBeNull();
    expect(applied.migrations.map((m) => m.restorePoint?.name)).toEqual(NAMES.slice(3, 10).map((n) => `dbrollback:before:${n}`));
    expect(await history(url)).toEqual(NAMES.slice(0, 10));
    expect(await one(url, "SELECT count(*)::int FROM items WHERE status = 'discontinued'")).toBe(10);
    expect(await columnsOf(url, 'items')).toEqual(['id', 'warehouse_id', 'title', 'qty', 'created_at', 'supplier_id', 'status']);
    expect(await columnsOf(url, 'warehouses')).toEqual(['id', 'code', 'name', 'region']);
    expect(await indexesOf(url, 'stock_moves')).toEqual(['stock_moves_item_id_idx', 'stock_moves_pkey']);
    expect(await one(url, "SELECT string_agg(v, ',' ORDER BY v) FROM unnest(enum_range(NULL::item_status)::text[]) v")).toBe('active,archived,discontinued');
    await query(url, 'INSERT INTO reorder_rules (item_id, min_qty, reorder_qty) SELECT id, 5, 20 FROM items WHERE id <= 15');
    const rest = await inProject(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.json<{ applied: string[] }>().applied).toEqual(NAMES.slice(10));
    // The application records one move's reason itself once the column exists: not what the migration derived.
    await query(url, "INSERT INTO stock_moves (item_id, delta, reason) VALUES (7, -3, 'damaged')");

    const status = await inProject(['status', '--json', ...args]);
    const rows = status.json<StatusDoc>();
    expect(rows.head).toBe(NAME_LENGTH);
    expect(rows.migrations.filter((m) => m.restorePoint === null).map((m) => m.name)).toEqual(NAMES.slice(0, 3));
    // migration_log has run_on, but umzug asks a storage only for names: said so, with how to give the times.
    expect(rows.appliedAtNote).toContain('the umzug storage (table migration_log) gives no applied-at times (umzug asks a storage only for names: give it an executedWithTimes({ context }) method');
    expect(rows.appliedAtNote).not.toContain('keeps no applied-at times');

    // plan for the last three: an undo, which needs --accept-data-loss for reorder_rules and the app's reason.
    const plan = await inProject(['plan', '--count', '3', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planDoc = plan.json<{ type: string; recommendation: string; atRisk: { rows: number; derived: { rows: number } } }>();
    expect(planDoc.type).toBe('undo');
    expect(planDoc.atRisk).toMatchObject({ rows: 416, derived: { rows: 400 } });
    expect(planDoc.recommendation).toContain(`Run \`${suggested(args)} undo --accept-data-loss\` with the same target if losing that data is intended`);

    // undo: the CHECK's .down.sql goes through.
    const check = await inProject(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.json<UndoDoc>().undone).toEqual([NAME_LENGTH]);
    expect(await one(url, "SELECT count(*)::int FROM pg_constraint WHERE conname = 'warehouses_name_length'")).toBe(0);
    expect((await history(url)).at(-1)).toBe(REASON);
    // The two after it: refused for the rows (exit 4, nothing touched), done with --accept-data-loss.
    const refused = await inProject(['undo', '--count', '2', '--yes', '--json', ...args]);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorDoc>().error).toMatchObject({
      code: 'DATA_LOSS_REFUSED',
      message: expect.stringContaining(`${REASON}: drop-column public.stock_moves.reason (401 values, 400 of them derived); ${REORDER}: drop-table public.reorder_rules (15 rows)`),
    });
    expect((await history(url)).at(-1)).toBe(REASON);
    const accepted = await inProject(['undo', '--count', '2', '--yes', '--accept-data-loss', '--json', ...args]);
    expect(accepted.exitCode, accepted.stderr).toBe(0);
    expect(accepted.json<UndoDoc>().undone).toEqual([REASON, REORDER]);
    expect(await columnsOf(url, 'stock_moves')).not.toContain('reason');
    expect(await one(url, "SELECT to_regclass('public.reorder_rules')::text")).toBeNull();
    expect((await history(url)).at(-1)).toBe(DROP_SKU);

    // The dropped column has no .down.sql: refused even with --accept-data-loss, naming the missing file and the table restore.
    for (const flags of [[], ['--accept-data-loss']]) {
      const sku = await inProject(['undo', '--count', '1', '--yes', ...flags, '--json', ...args]);
      expect(sku.exitCode).toBe(4);
      const { error } = sku.json<ErrorDoc>();
      expect(error.code).toBe('IRREVERSIBLE');
      expect(error.message).toContain(`${DROP_SKU} has no down migration (${NO_DOWN_SQL})`);
      expect(error.hint).toContain(`${suggested(args)} restore --before-migration ${DROP_SKU} --tables public.items --into-database URL`);
    }
    expect((await history(url)).at(-1)).toBe(DROP_SKU);

    // A hurried fix damages items: restore --tables brings items from before the drop, beside the live table.
    await query(url, "UPDATE items SET title = 'x' WHERE id <= 10");
    const tables = await inProject(['restore', '--before-migration', DROP_SKU, '--tables', 'public.items', '--into-database', url, '--json', ...args]);
    expect(tables.exitCode, tables.stderr).toBe(0);
    const doc = tables.json<{ beforeMigration: { kind: string; migration: string }; tables: Array<{ table: string; now: string; rows: number; matches: boolean }> }>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'restore-point', migration: DROP_SKU });
    expect(doc.tables).toEqual([expect.objectContaining({ table: 'public.items', rows: 60, matches: true })]);
    const recovered = doc.tables[0]!.now;
    expect(await one(url, `SELECT count(legacy_sku)::int FROM ${recovered}`)).toBe(60);
    expect(await one(url, `SELECT count(*)::int FROM ${recovered} WHERE title = 'x'`)).toBe(0);
    await query(url, `UPDATE items i SET title = r.title FROM ${recovered} r WHERE r.id = i.id`);
    expect(await one(url, "SELECT count(*)::int FROM items WHERE title = 'x'")).toBe(0);

    // The whole database to the moment before the drop, in a new data directory: migration_log and rows as they were.
    const dataDir = path.join(await sharedDir('dbrollback-journey-umzug-pitr-'), 'data');
    const pitr = await inProject(['restore', '--before-migration', DROP_SKU, '--data-dir', dataDir, '--port', String(await freePort()), '--json', ...args]);
    expect(pitr.exitCode, pitr.stderr).toBe(0);
    try {
      const copy = pitr.json<{ url: string }>().url.replace('postgres://postgres@', `postgres://postgres:${encodeURIComponent(primary.password)}@`);
      expect(await history(copy)).toEqual(NAMES.slice(0, 8));
      expect(await one(copy, 'SELECT count(legacy_sku)::int FROM items')).toBe(60);
      expect(await one(copy, "SELECT count(*)::int FROM items WHERE status = 'discontinued'")).toBe(10);
    } finally {
      await stopCopy(dataDir);
    }
    // Before a migration the team's own umzug applied, no restore point and no times: refused (exit 2), saying what to use.
    const early = await inProject(['restore', '--before-migration', NAMES[2], '--data-dir', path.join(dataDir, '..', 'early'), '--json', ...args]);
    expect(early.exitCode).toBe(2);
    expect(early.json<ErrorDoc>().error.hint).toContain('--point-in-time T or --lsn L');

    // The team's own umzug (the next deploy) carries on from the history dbrollback left.
    expect(await teamMigrate(url, 'up')).toContain('applied 3 migrations');
    expect(await history(url)).toEqual([...NAMES]);
    const after = await inProject(['status', '--json', ...args]);
    expect(after.json<StatusDoc>()).toMatchObject({ head: NAME_LENGTH, pending: [] });
    const verify = await inProject(['verify', '--expect-head', NAME_LENGTH, '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);
    const checks = verify.json<{ checks: Array<{ id: string; status: string; detail: string }> }>().checks;
    expect(checks.find((c) => c.id === 'schema-head')).toMatchObject({ status: 'pass', detail: `head is ${NAME_LENGTH} (umzug), as expected` });
    // The config names umzug: not "no migrations are configured".
    expect(checks.find((c) => c.id === 'tool-verify')).toMatchObject({ status: 'skip', detail: 'umzug keeps no verify scripts of its own' });

    // An undo after the table recovery: the recovered schema beside items is dbrollback's output, not a difference
    // from the schema recorded before the migration (the verify gate failed the undo for it, after the down ran).
    const again = await inProject(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.json<UndoDoc>().verify!.checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({ status: 'pass', detail: `the schema equals the one recorded before ${NAME_LENGTH}` });
    expect(await one(url, `SELECT to_regclass('${recovered}')::text`)).toBe(recovered);
    expect(await teamMigrate(url, 'up')).toContain('applied 1 migrations');
    expect(await history(url)).toEqual([...NAMES]);
  });

  it('another database: the arrow-function down waits for locks only under --lock-timeout, then runs; the CONCURRENTLY index is undone; the backfill\'s throwing down and the enum value with no down are refused', async () => {
    const other = await primary.createDatabase();
    const otherUrl = primary.url(other.database);
    const second = ['--database-url', otherUrl, '--storage', storage];
    expect((await inProject(['migrate', '--to', REGION, '--backup', 'never', ...second])).exitCode).toBe(0);
    // A report reading warehouses holds the down's ALTER back: the pool's connections, opened for status before the
    // down, would wait with no limit; the down's own wait under --lock-timeout, then it gives up, naming the reader.
    const report = new pg.Client({ connectionString: otherUrl, application_name: 'nightly-report' });
    await report.connect();
    try {
      await report.query('BEGIN');
      await report.query('SELECT count(*) FROM warehouses');
      const started = Date.now();
      const blocked = await inProject(['undo', '--count', '1', '--yes', '--lock-timeout', '300ms', '--json', ...second]);
      expect(blocked.exitCode, blocked.stdout).toBe(1);
      expect(blocked.json<ErrorDoc>().error).toMatchObject({ code: 'LOCK_TIMEOUT', message: expect.stringContaining('application "nightly-report"') });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect((await history(otherUrl)).at(-1)).toBe(REGION);
      expect(await columnsOf(otherUrl, 'warehouses')).toContain('region');
    } finally {
      await report.end();
    }
    // The arrow `down:` after an arrow `up:` runs (an import() of the file would not see it, and umzug would drop the record only).
    const region = await inProject(['undo', '--count', '1', '--yes', '--json', ...second]);
    expect(region.exitCode, region.stdout).toBe(0);
    expect(await columnsOf(otherUrl, 'warehouses')).toEqual(['id', 'code', 'name']);
    expect((await inProject(['undo', '--count', '1', '--yes', ...second])).exitCode).toBe(0);
    expect(await columnsOf(otherUrl, 'items')).toContain('label');
    const backfill = await inProject(['undo', '--count', '1', '--yes', '--accept-data-loss', '--json', ...second]);
    expect(backfill.exitCode).toBe(4);
    expect(backfill.json<ErrorDoc>().error).toMatchObject({ code: 'IRREVERSIBLE', message: expect.stringContaining(`${BACKFILL} is irreversible`) });
    expect((await history(otherUrl)).at(-1)).toBe(BACKFILL);

    const third = await primary.createDatabase();
    const thirdUrl = primary.url(third.database);
    const args3 = ['--database-url', thirdUrl, '--storage', storage];
    expect((await inProject(['migrate', '--to', INDEX, '--backup', 'never', ...args3])).exitCode).toBe(0);
    expect(await indexesOf(thirdUrl, 'stock_moves')).toEqual(['stock_moves_item_id_idx', 'stock_moves_pkey']);
    expect((await inProject(['undo', '--count', '1', '--yes', ...args3])).exitCode).toBe(0);
    expect(await indexesOf(thirdUrl, 'stock_moves')).toEqual(['stock_moves_pkey']);
    const enumValue = await inProject(['undo', '--count', '1', '--yes', '--json', ...args3]);
    expect(enumValue.exitCode).toBe(4);
    expect(enumValue.json<ErrorDoc>().error).toMatchObject({ code: 'IRREVERSIBLE', message: expect.stringContaining(ARCHIVED) });
    expect(await one(thirdUrl, "SELECT string_agg(v, ',' ORDER BY v) FROM unnest(enum_range(NULL::item_status)::text[]) v")).toBe('active,archived,discontinued');
    expect(await history(thirdUrl)).toEqual(NAMES.slice(0, 4));
  });

  it('drill all rehearses every down on a throwaway server (the three without one go back by restore); pitr recovers production', async () => {
    await archiveCurrentSegment(url);
    const drill = await inProject(['drill', 'all', '--provider', 'local', '--json', ...args]);
    expect(drill.exitCode, drill.stdout).toBe(0);
    const scenarios = drill.json<{ scenarios: Array<{ name: string; status: string; detail: string; steps: Array<{ name: string; status: string; detail: string }> }> }>().scenarios;
    expect(scenarios.map((s) => [s.name, s.status])).toEqual([
      ['migrations', 'pass'],
      ['restore', 'skip'],
      ['pitr', 'pass'],
    ]);
    const step = (name: string) => scenarios[0]!.steps.find((s) => s.name === name)!;
    expect(step(`down ${DROP_SKU}`)).toMatchObject({ status: 'skip', detail: expect.stringContaining(NO_DOWN_SQL) });
    for (const name of [CREATE, INDEX, RENAME, REGION, REORDER, REASON, NAME_LENGTH]) expect(step(`down ${name}`).status, name).toBe('pass');
  }, 300_000);
});
