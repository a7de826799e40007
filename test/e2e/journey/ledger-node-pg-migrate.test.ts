/**
 * The on-call journey on a node-pg-migrate project:
 * `migrations-fixtures/journey/ledger`, laid out as node-pg-migrate projects
 * are (package.json's script runs `node-pg-migrate -f pgm.config.json`, the
 * config names `migrations-dir: db/migrations`), its history mixing
 * CommonJS, TypeScript and `-- Up Migration` .sql files: shorthands, an enum
 * value added with no down, a `noTransaction()` CONCURRENTLY index, a
 * backfill with `down = false`, a rename, a dropped column holding data, and
 * a down that drops an index its up did not create. The team's own
 * `node-pg-migrate up 3` first, then dbrollback migrate (restore points, WAL
 * archived through the built CLI's wal-push) → plan → undo (done, refused for
 * the data, refused for good) → restore --before-migration --tables and to a
 * point in time → node-pg-migrate's own up carries on → the bad down caught
 * by undo's round trip and by drill all; each answer checked against the
 * database and pgmigrations.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli, suggested } from '../../harness/cli.js';
import { freePort, type Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { archiveCurrentSegment, cli, query, sharedDir, stopCopy } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const PROJECT = path.join(FIXTURES, 'journey', 'ledger');
const MIGRATIONS = path.join(PROJECT, 'db', 'migrations');
const NAMES = [
  '1712041200000_create-accounts-and-entries',
  '1712127600000_create-categories',
  '1712214000000_add-entry-status',
  '1712905200000_entry-status-void',
  '1713337200000_index-entries-account',
  '1713423600000_backfill-posted-entries',
  '1714028400000_rename-entries-memo',
  '1714114800000_add-accounts-currency',
  '1714633200000_drop-accounts-legacy-ref',
  '1715238000000_create-budgets',
  '1715842800000_entries-posted-at',
  '1716447600000_accounts-email-lower-unique',
  '1717052400000_entries-description-length',
] as const;
const [, , , VOID, INDEX, BACKFILL, RENAME, CURRENCY, DROP_LEGACY, BUDGETS, POSTED_AT, EMAIL_LOWER, DESCRIPTION] = NAMES;

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; down: { kind: string; dropsOtherIndexes?: string[] } | null }>;
}
interface ErrorDoc {
  error: { code: string; message: string; hint: string };
}
interface UndoDoc {
  undone: string[];
  verify: { ok: boolean; checks: Array<{ id: string; status: string; detail: string }> } | null;
}

const one = async (url: string, sql: string): Promise<unknown> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0];
/** pgmigrations as node-pg-migrate reads it: the names in run order. */
const history = async (url: string): Promise<string[]> => (await query<{ name: string }>(url, 'SELECT name FROM pgmigrations ORDER BY run_on, id')).map((r) => r.name);
const columnsOf = async (url: string, table: string): Promise<string[]> =>
  (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.c);
const indexesOf = async (url: string, table: string): Promise<string[]> => (await query<{ i: string }>(url, `SELECT indexname AS i FROM pg_indexes WHERE schemaname = 'public' AND tablename = '${table}' ORDER BY 1`)).map((r) => r.i);

/** The team's deploy step: `npm run migrate -- up …` in the project root, node-pg-migrate reading pgm.config.json. */
async function nodePgMigrate(url: string, ...args: string[]): Promise<string> {
  const run = await execa(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js'), '-f', 'pgm.config.json', ...args], { cwd: PROJECT, env: { ...process.env, DATABASE_URL: url } });
  return run.stdout + run.stderr;
}

describe('the journey on a node-pg-migrate ledger', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];

  beforeAll(async () => {
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-npm-store-', ['--migrations', MIGRATIONS]));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify reads the three file kinds as node-pg-migrate runs them; status at the project root names the folder pgm.config.json gives node-pg-migrate', async () => {
    const classify = await cli(['classify', MIGRATIONS, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const verdicts = Object.fromEntries(classify.json<ClassifyDoc>().files.map((f) => [path.basename(f.path).replace(/\.(js|ts|sql)$/, ''), [f.compatibility, f.dataLoss, f.reversible, f.down?.kind]]));
    expect(Object.keys(verdicts)).toEqual([...NAMES]);
    expect(verdicts).toMatchObject({
      [NAMES[0]]: ['additive', 'none', true, 'yes'],
      [NAMES[1]]: ['additive', 'none', true, 'yes'],
      [VOID]: ['additive', 'none', false, 'missing'],
      [INDEX]: ['additive', 'none', true, 'yes'],
      [BACKFILL]: ['additive', 'rewrite', false, 'irreversible'],
      [RENAME]: ['breaking', 'none', true, 'yes'],
      // Its down also drops the earlier migration's index: not reversible, said before it is merged.
      [CURRENCY]: ['additive', 'none', false, 'yes'],
      [DROP_LEGACY]: ['breaking', 'destructive', false, 'yes'],
      // No down written: classify reads the one node-pg-migrate infers (status says `inferred`).
      [DESCRIPTION]: ['breaking', 'none', true, 'yes'],
    });

    const currency = classify.json<ClassifyDoc>().files.find((f) => f.path.endsWith(`${CURRENCY}.sql`))!;
    expect(currency.down?.dropsOtherIndexes).toEqual(['index entries_account_id_index']);

    // In the project root, as a new user types it: not "dbmate's default" but the folder node-pg-migrate is given.
    const root = await runBuiltCli(['status', '--database-url', url, '--storage', storage], { cwd: PROJECT });
    expect(root.exitCode).toBe(2);
    expect(root.stderr).toContain('package.json\'s "migrate" script runs node-pg-migrate with pgm.config.json on db/migrations: pass --migrations db/migrations');
    expect(root.stderr).not.toContain("dbmate's default");
    const status = await runBuiltCli(['status', '--migrations', 'db/migrations', '--database-url', url, '--storage', storage, '--json'], { cwd: PROJECT });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.json<{ migrator: string; pending: string[] }>()).toMatchObject({ migrator: 'node-pg-migrate', pending: [...NAMES] });
  });

  it('after the team\'s node-pg-migrate up: migrate, plan, undo (done and refused), restore --tables and to a point in time, node-pg-migrate carrying on', async () => {
    expect(await nodePgMigrate(url, 'up', '3')).toContain('Migrations complete!');
    expect(await history(url)).toEqual(NAMES.slice(0, 3));
    await primary.sql(new URL(url).pathname.slice(1), await readFile(path.join(PROJECT, 'seed.sql'), 'utf8'));

    // migrate: a restore point before each migration, the WAL archive standing in for a logical backup.
    const first = await cli(['migrate', '--to', BUDGETS, '--json', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    const applied = first.json<{ applied: string[]; backupId: string | null; migrations: Array<{ name: string; restorePoint: { name: string } | null }> }>();
    expect(applied.applied).toEqual(NAMES.slice(3, 10));
    expect(applied.backupId).toBeNull();
    expect(applied.migrations.map((m) => m.restorePoint?.name)).toEqual(NAMES.slice(3, 10).map((n) => `dbrollback:before:${n}`));
    expect(await history(url)).toEqual(NAMES.slice(0, 10));
    expect(await one(url, "SELECT count(*)::int FROM entries WHERE status = 'posted'")).toBe(295);
    expect(await columnsOf(url, 'accounts')).toEqual(['id', 'email', 'name', 'created_at', 'currency']);
    expect(await columnsOf(url, 'entries')).toContain('description');
    await query(url, "INSERT INTO budgets (account_id, month, limit_cents) SELECT g, date '2024-06-01', 100000 + g FROM generate_series(1, 12) g");
    const rest = await cli(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.json<{ applied: string[] }>().applied).toEqual(NAMES.slice(10));
    // The application posts one entry itself once posted_at exists: not what the backfill derived.
    await query(url, "INSERT INTO entries (account_id, amount_cents, description, status, posted_at) VALUES (3, -4200, 'late coffee', 'posted', now() - interval '3 hours')");
    const status = await cli(['status', '--json', ...args]);
    const rows = status.json<{ head: string; migrations: Array<{ name: string; down: string; restorePoint: { name: string } | null }> }>();
    expect(rows.head).toBe(DESCRIPTION);
    expect(rows.migrations.filter((m) => m.restorePoint === null).map((m) => m.name)).toEqual(NAMES.slice(0, 3));
    expect(rows.migrations.filter((m) => m.down !== 'yes').map((m) => [m.name, m.down])).toEqual([[VOID, 'missing'], [BACKFILL, 'irreversible'], [DESCRIPTION, 'inferred']]);

    // plan for the last three: an undo, which needs --accept-data-loss for posted_at (one value the app wrote).
    const plan = await cli(['plan', '--count', '3', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planDoc = plan.json<{ type: string; recommendation: string; atRisk: { rows: number; derived: { rows: number } } }>();
    expect(planDoc.type).toBe('undo');
    expect(planDoc.atRisk).toMatchObject({ rows: 296, derived: { rows: 295 } });
    expect(planDoc.recommendation).toContain(`Run \`${suggested(args)} undo --accept-data-loss\` with the same target if losing that data is intended: the down migrations destroy 296 rows/values in public.entries.posted_at (295 of them derived), which undo refuses without --accept-data-loss.`);

    // undo: the inferred down of the CHECK goes through.
    const check = await cli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.json<UndoDoc>().undone).toEqual([DESCRIPTION]);
    expect(await one(url, "SELECT count(*)::int FROM pg_constraint WHERE conname = 'entries_description_length'")).toBe(0);
    expect((await history(url)).at(-1)).toBe(EMAIL_LOWER);
    // The two after it: refused for the values in posted_at (exit 4, nothing touched), done with --accept-data-loss.
    const refused = await cli(['undo', '--count', '2', '--yes', '--json', ...args]);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorDoc>().error).toMatchObject({ code: 'DATA_LOSS_REFUSED', message: expect.stringContaining(`${POSTED_AT}: drop-column public.entries.posted_at (296 values, 295 of them derived)`) });
    expect((await history(url)).at(-1)).toBe(EMAIL_LOWER);
    const accepted = await cli(['undo', '--count', '2', '--yes', '--accept-data-loss', '--json', ...args]);
    expect(accepted.exitCode, accepted.stderr).toBe(0);
    expect(accepted.json<UndoDoc>().undone).toEqual([EMAIL_LOWER, POSTED_AT]);
    expect(await columnsOf(url, 'entries')).not.toContain('posted_at');
    expect(await indexesOf(url, 'accounts')).not.toContain('accounts_email_lower_key');
    // budgets holds the team's rows: refused, then accepted.
    const budgets = await cli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(budgets.exitCode).toBe(4);
    expect(budgets.json<ErrorDoc>().error.message).toContain(`${BUDGETS}: drop-table public.budgets (12 rows)`);
    expect((await cli(['undo', '--count', '1', '--yes', '--accept-data-loss', ...args])).exitCode).toBe(0);
    expect(await one(url, "SELECT to_regclass('public.budgets')::text")).toBeNull();
    expect((await history(url)).at(-1)).toBe(DROP_LEGACY);

    // The dropped column: no down brings legacy_ref back, even with --accept-data-loss; the hint names the table restore.
    for (const flags of [[], ['--accept-data-loss']]) {
      const legacy = await cli(['undo', '--count', '1', '--yes', ...flags, '--json', ...args]);
      expect(legacy.exitCode).toBe(4);
      const { error } = legacy.json<ErrorDoc>();
      expect(error.code).toBe('IRREVERSIBLE');
      expect(error.hint).toContain(`${suggested(args)} restore --before-migration ${DROP_LEGACY} --tables public.accounts --into-database URL`);
    }
    expect(await columnsOf(url, 'accounts')).not.toContain('legacy_ref');

    // Meanwhile a hurried fix damages accounts: restore --tables brings accounts from before the drop, beside the live table.
    await query(url, "UPDATE accounts SET name = 'x' WHERE id <= 10");
    const tables = await cli(['restore', '--before-migration', DROP_LEGACY, '--tables', 'public.accounts', '--into-database', url, '--json', ...args]);
    expect(tables.exitCode, tables.stderr).toBe(0);
    const doc = tables.json<{ beforeMigration: { kind: string; migration: string }; tables: Array<{ table: string; now: string; rows: number; matches: boolean }> }>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'restore-point', migration: DROP_LEGACY });
    expect(doc.tables).toEqual([expect.objectContaining({ table: 'public.accounts', rows: 40, matches: true })]);
    const recovered = doc.tables[0]!.now;
    expect(await one(url, `SELECT count(legacy_ref)::int FROM ${recovered}`)).toBe(40);
    // As the hint said: re-add the column with the recovered type, copy legacy_ref and the damaged names back.
    const type = await one(url, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '${recovered}'::regclass AND attname = 'legacy_ref'`);
    expect(type).toBe('character varying(20)');
    await query(url, `ALTER TABLE accounts ADD COLUMN legacy_ref ${String(type)}; UPDATE accounts a SET legacy_ref = r.legacy_ref, name = r.name FROM ${recovered} r WHERE r.id = a.id`);
    expect(await one(url, "SELECT count(*)::int FROM accounts WHERE name = 'x'")).toBe(0);
    expect(await one(url, "SELECT legacy_ref FROM accounts WHERE id = 7")).toBe('LG-0007');
    await query(url, 'ALTER TABLE accounts DROP COLUMN legacy_ref');

    // The whole database to the moment before the drop, in a new data directory: its history and rows as they were.
    const dataDir = path.join(await sharedDir('dbrollback-journey-npm-pitr-'), 'data');
    const pitr = await cli(['restore', '--before-migration', DROP_LEGACY, '--data-dir', dataDir, '--port', String(await freePort()), '--json', ...args]);
    expect(pitr.exitCode, pitr.stderr).toBe(0);
    try {
      const copy = pitr.json<{ url: string }>().url.replace('postgres://postgres@', `postgres://postgres:${encodeURIComponent(primary.password)}@`);
      expect(await history(copy)).toEqual(NAMES.slice(0, 8));
      expect(await one(copy, 'SELECT count(legacy_ref)::int FROM accounts')).toBe(40);
      expect(await one(copy, "SELECT count(*)::int FROM accounts WHERE name = 'x'")).toBe(0);
    } finally {
      await stopCopy(dataDir);
    }

    // node-pg-migrate's own up (the team's next deploy) carries on from the history dbrollback left.
    expect(await nodePgMigrate(url, 'up')).toContain('Migrations complete!');
    expect(await history(url)).toEqual([...NAMES]);
    const after = await cli(['status', '--json', ...args]);
    expect(after.json<{ head: string | null; pending: unknown[] }>()).toMatchObject({ head: DESCRIPTION, pending: [] });
    const verify = await cli(['verify', '--expect-head', DESCRIPTION, '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);
  }, 600_000);

  it('the down that drops an index its up did not create: plan names it, undo refuses (exit 4) until accepted, verify reports it accepted; the backfill\'s down = false and the enum value are refused; the CONCURRENTLY index undone outside a transaction', async () => {
    const { database } = await primary.createDatabase();
    const freshUrl = primary.url(database);
    const fresh = ['--migrations', MIGRATIONS, '--database-url', freshUrl, '--storage', storage];
    expect((await cli(['migrate', '--to', CURRENCY, '--backup', 'never', ...fresh])).exitCode).toBe(0);
    const difference = `down of ${CURRENCY} drops index entries_account_id_index on public.entries, which ${INDEX} created`;
    const plan = await cli(['plan', '--count', '1', '--json', ...fresh]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(difference);
    const refused = await cli(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorDoc>().error).toMatchObject({ code: 'SCHEMA_ROUND_TRIP', message: expect.stringContaining(difference) });
    expect(await indexesOf(freshUrl, 'entries')).toEqual(['entries_account_id_index', 'entries_pkey']);
    const accepted = await cli(['undo', '--count', '1', '--yes', '--accept-schema-difference', '--json', ...fresh]);
    expect(accepted.exitCode, accepted.stderr).toBe(0);
    const roundTrip = accepted.json<UndoDoc>().verify!.checks.find((c) => c.id === 'schema-round-trip')!;
    expect(roundTrip).toMatchObject({ status: 'pass', detail: expect.stringContaining(`except 1 accepted difference(s): ${difference}`) });
    expect(await indexesOf(freshUrl, 'entries')).toEqual(['entries_pkey']);
    expect((await history(freshUrl)).at(-1)).toBe(RENAME);

    // The next undo (the rename): the index is still missing, which no down brings back — refused before the down
    // runs (it ran, and the verify gate failed after it, exit 3), naming the fix; once recreated, the rename goes back.
    const stillMissing = await cli(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(stillMissing.exitCode).toBe(4);
    expect(stillMissing.json<ErrorDoc>().error).toMatchObject({
      code: 'SCHEMA_ROUND_TRIP',
      message: expect.stringContaining(`index entries_account_id_index on public.entries is missing already: the schema recorded before ${RENAME} holds it (${INDEX} created it)`),
      hint: expect.stringContaining('Recreate what is missing'),
    });
    expect(await columnsOf(freshUrl, 'entries')).toContain('description');
    await query(freshUrl, 'CREATE INDEX CONCURRENTLY entries_account_id_index ON entries (account_id)');
    const rename = await cli(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(rename.exitCode, rename.stdout).toBe(0);
    expect(rename.json<UndoDoc>().verify!.checks.find((c) => c.id === 'schema-round-trip')).toMatchObject({ status: 'pass', detail: `the schema equals the one recorded before ${RENAME}` });
    // The backfill's `down = false` is refused before anything runs.
    expect(await columnsOf(freshUrl, 'entries')).toContain('memo');
    const backfill = await cli(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(backfill.exitCode).toBe(4);
    expect(backfill.json<ErrorDoc>().error).toMatchObject({ code: 'IRREVERSIBLE', message: expect.stringContaining(`${BACKFILL} is irreversible`) });
    expect((await history(freshUrl)).at(-1)).toBe(BACKFILL);

    // Another database at the CONCURRENTLY index: its noTransaction down runs; the enum value (no down) is refused.
    const other = await primary.createDatabase();
    const otherUrl = primary.url(other.database);
    const second = ['--migrations', MIGRATIONS, '--database-url', otherUrl, '--storage', storage];
    expect((await cli(['migrate', '--to', INDEX, '--backup', 'never', ...second])).exitCode).toBe(0);
    expect(await indexesOf(otherUrl, 'entries')).toEqual(['entries_account_id_index', 'entries_pkey']);
    expect((await cli(['undo', '--count', '1', '--yes', ...second])).exitCode).toBe(0);
    expect(await indexesOf(otherUrl, 'entries')).toEqual(['entries_pkey']);
    const enumValue = await cli(['undo', '--count', '1', '--yes', '--json', ...second]);
    expect(enumValue.exitCode).toBe(4);
    expect(enumValue.json<ErrorDoc>().error).toMatchObject({ code: 'IRREVERSIBLE', message: expect.stringContaining(`${VOID} (no down written)`) });
    expect(await one(otherUrl, "SELECT string_agg(v, ',' ORDER BY v) FROM unnest(enum_range(NULL::entry_status)::text[]) v")).toBe('pending,posted,void');
    expect(await history(otherUrl)).toEqual(NAMES.slice(0, 4));
  }, 600_000);

  it('drill all rehearses every migration on a throwaway server and finds the down that drops the extra index; pitr recovers production', async () => {
    await archiveCurrentSegment(url);
    const drill = await cli(['drill', 'all', '--provider', 'local', '--json', ...args]);
    expect(drill.exitCode, drill.stdout).toBe(3);
    const scenarios = drill.json<{ scenarios: Array<{ name: string; status: string; detail: string; steps: Array<{ name: string; status: string; detail: string }> }> }>().scenarios;
    expect(scenarios.map((s) => [s.name, s.status])).toEqual([
      ['migrations', 'fail'],
      ['restore', 'skip'],
      ['pitr', 'pass'],
    ]);
    // The storage holds the partial backups the accepted undos took (their rows), none of the whole database.
    expect(scenarios[1]!.detail).toBe(`the storage holds only partial logical backups (the rows undo saved before its downs), not one of the whole database, so there is no logical restore to rehearse (take one with \`${suggested(args)} backup\`; a WAL archive with a base backup is rehearsed by the pitr drill)`);
    const step = (name: string) => scenarios[0]!.steps.find((s) => s.name === name)!;
    expect(step(`down ${CURRENCY}`)).toMatchObject({ status: 'fail', detail: `the schema differs from before ${CURRENCY}: index public.entries.entries_account_id_index removed` });
    for (const name of NAMES.slice(8).reverse()) expect(step(`down ${name}`).status, name).toBe('pass');
  }, 300_000);
});
