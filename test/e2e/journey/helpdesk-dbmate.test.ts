/**
 * The on-call journey on a history the shop fixtures did not come from:
 * `migrations-fixtures/journey/helpdesk`, a dbmate project with an idempotent
 * first up, an enum value added (empty down), CONCURRENTLY under
 * transaction:false, a down that drops more than its up made, a rename, a
 * backfilled new column, an in-place rewrite with a placeholder down, a
 * dropped column and a seeded table. classify → migrate (restore points, WAL
 * archived through the built CLI's wal-push) → plan → undo (one done, one
 * refused) → restore --before-migration --tables, each answer checked against
 * the database.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { archiveCurrentSegment, cli, query } from '../../integration/pitr/support.js';
import { journeyProduction } from './production.js';

const PROJECT = path.join(FIXTURES, 'journey', 'helpdesk');
const MIGRATIONS = path.join(PROJECT, 'db', 'migrations');
const NORMALIZE = '20250305000000_normalize_account_domains';

interface ClassifyDoc {
  files: Array<{ path: string; compatibility: string; dataLoss: string; reversible: boolean | null; down: { kind: string } | null }>;
}
interface RestoreTablesDoc {
  ok: boolean;
  schema: string;
  tables: Array<{ table: string; now: string; rows: number; matches: boolean }>;
  beforeMigration: { kind: string; migration: string };
}

const rowsOf = async (url: string, table: string): Promise<string[]> => (await query<{ r: string }>(url, `SELECT t::text AS r FROM ${table} t ORDER BY id`)).map((row) => row.r);
const one = async (url: string, sql: string): Promise<string> => Object.values((await query<Record<string, unknown>>(url, sql))[0]!)[0] as string;

describe('the journey on a dbmate helpdesk history', () => {
  let primary: Cluster;
  let storage: string;
  let url: string;
  let args: string[];
  /** accounts as they were just before the normalizing migration. */
  let accountsBefore: string[];

  beforeAll(async () => {
    ({ primary, storage, url, args } = await journeyProduction('dbrollback-journey-store-', ['--migrations', MIGRATIONS]));
  });
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify, migrate with restore points, plan, undo (done and refused), restore --before-migration --tables: each answer as the database says', async () => {
    // classify: the verdicts the SQL deserves.
    const classify = await cli(['classify', MIGRATIONS, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const verdicts = Object.fromEntries(classify.json<ClassifyDoc>().files.map((f) => [path.basename(f.path, '.sql'), [f.compatibility, f.dataLoss, f.reversible, f.down?.kind]]));
    expect(verdicts).toMatchObject({
      '20250103091500_create_accounts_and_agents': ['additive', 'none', true, 'yes'],
      '20250121101010_index_tickets_status': ['additive', 'none', true, 'yes'],
      '20250202120000_add_ticket_status_escalated': ['additive', 'none', false, 'empty'],
      '20250210090000_add_agents_team': ['additive', 'none', false, 'yes'],
      '20250218150000_rename_comments_body': ['breaking', 'none', true, 'yes'],
      '20250301000000_add_tickets_first_response_at': ['additive', 'none', true, 'yes'],
      [NORMALIZE]: ['additive', 'rewrite', false, 'empty'],
      '20250312000000_drop_agents_pager': ['breaking', 'destructive', false, 'yes'],
      '20250320000000_create_sla_policies': ['additive', 'none', true, 'yes'],
    });

    // migrate: three, the seed, up to the backfill, a write, the rewrite, a write, the rest.
    expect((await cli(['migrate', '--count', '3', ...args])).exitCode).toBe(0);
    await primary.sql(new URL(url).pathname.slice(1), await readFile(path.join(PROJECT, 'seed.sql'), 'utf8'));
    const toBackfill = await cli(['migrate', '--to', '20250301000000_add_tickets_first_response_at', ...args]);
    expect(toBackfill.exitCode, toBackfill.stderr).toBe(0);
    expect(await one(url, 'SELECT count(first_response_at) FROM tickets')).toBe('150');
    await query(url, "INSERT INTO tickets (account_id, subject, status) VALUES (2, 'written before the rewrite', 'escalated')");
    accountsBefore = await rowsOf(url, 'accounts');
    expect((await cli(['migrate', '--count', '1', ...args])).exitCode).toBe(0);
    await query(url, "INSERT INTO accounts (name, domain) VALUES ('Later', 'Later.Example')");
    const rest = await cli(['migrate', '--json', ...args]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(await rowsOf(url, 'accounts')).not.toEqual(accountsBefore);
    await query(url, 'UPDATE tickets SET sla_policy_id = 1 WHERE id % 10 = 0');

    const status = await cli(['status', '--json', ...args]);
    const migrations = status.json<{ migrations: Array<{ name: string; applied: boolean; restorePoint: { name: string } | null }> }>().migrations;
    expect(migrations).toHaveLength(12);
    expect(migrations.every((m) => m.applied && m.restorePoint !== null)).toBe(true);

    // plan: the seeded table and the filled column are what the down destroys.
    const plan = await cli(['plan', '--count', '1', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planDoc = plan.json<{ type: string; migrations: Array<{ atRisk: { objects: Array<{ name: string; rows: number }> } }> }>();
    expect(planDoc.type).toBe('schema-stays');
    expect(planDoc.migrations[0]!.atRisk.objects.map((o) => [o.name, o.rows])).toEqual([['public.tickets.sla_policy_id', 20], ['public.sla_policies', 2]]);

    // undo: the seeded table goes, nothing else moves.
    const ticketsBefore = await one(url, 'SELECT count(*) FROM tickets');
    const undo = await cli(['undo', '--count', '1', '--yes', '--accept-data-loss', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(await one(url, "SELECT to_regclass('public.sla_policies')::text")).toBeNull();
    expect(await one(url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'tickets' AND column_name = 'sla_policy_id'")).toBe('0');
    expect(await one(url, 'SELECT count(*) FROM tickets')).toBe(ticketsBefore);
    expect(await one(url, 'SELECT max(version) FROM schema_migrations')).toBe('20250312000000');
    // verify: the head named by its dbmate version passes, with the project and without it (a version is all the table holds).
    for (const project of [args, ['--database-url', url, '--storage', storage]]) {
      const verify = await cli(['verify', '--expect-head', '20250312000000', '--json', ...project]);
      expect(verify.exitCode, verify.stdout).toBe(0);
      expect(verify.json<{ checks: Array<{ id: string; status: string }> }>().checks.find((c) => c.id === 'schema-head')!.status).toBe('pass');
    }

    // backups: the kind of each (the base backup, undo's partial logical one), as the README's walk-through reads it.
    const backups = await cli(['backups', ...args]);
    expect(backups.exitCode, backups.stderr).toBe(0);
    expect(backups.stdout).toMatch(/^ID +KIND +CREATED/);
    expect(backups.stdout).toMatch(/\n\S+ +base +\S+ +\S+ .*whole cluster/);
    expect(backups.stdout).toMatch(/\n\S+ +logical +\S+ +\S+ .*partial: rows of public\.sla_policies, public\.tickets/);

    // undo of the dropped column: refused, nothing touched.
    const refused = await cli(['undo', '--count', '1', '--yes', '--json', ...args]);
    expect(refused.exitCode).toBe(4);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('IRREVERSIBLE');
    expect(await one(url, 'SELECT max(version) FROM schema_migrations')).toBe('20250312000000');
    // Its dry run says the same before anyone runs it for real, and exits as the refusal would (4): a script's
    // `undo --dry-run && undo --yes` stops there.
    const dry = await cli(['undo', '--count', '1', '--dry-run', ...args]);
    expect(dry.exitCode, dry.stderr).toBe(4);
    expect(dry.stdout).toContain('DRY RUN — nothing was changed. undo would REFUSE this (exit 4, IRREVERSIBLE): refusing to undo: down migrations cannot bring this database back');
    const dryJson = await cli(['undo', '--count', '1', '--dry-run', '--json', ...args]);
    expect(dryJson.exitCode).toBe(4);
    expect(dryJson.json<{ outcome: string; wouldRefuse: { code: string } | null }>()).toMatchObject({ outcome: 'dry-run', wouldRefuse: { code: 'IRREVERSIBLE' } });

    // restore --before-migration --tables: accounts exactly as before the rewrite, beside the live table.
    const restore = await cli(['restore', '--before-migration', NORMALIZE, '--tables', 'public.accounts', '--into-database', url, '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const doc = restore.json<RestoreTablesDoc>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'restore-point', migration: NORMALIZE });
    expect(doc.tables).toEqual([expect.objectContaining({ table: 'public.accounts', rows: 5, matches: true })]);
    expect(await rowsOf(url, doc.tables[0]!.now)).toEqual(accountsBefore);
    expect(await one(url, 'SELECT count(*) FROM public.accounts')).toBe('6');

    // --replace of one table other tables point at: refused, in words about that one table.
    const replace = await cli(['restore', '--before-migration', NORMALIZE, '--tables', 'public.accounts', '--into-database', url, '--replace', '--yes', ...args]);
    expect(replace.exitCode).toBe(4);
    expect(replace.stderr).toContain('refusing to replace public.accounts: foreign keys from other tables point at it and would keep pointing at the old table: ');
    expect(await rowsOf(url, 'public.accounts')).toHaveLength(6);
  }, 600_000);

  it('a dbmate version names its migration for restore --before-migration and migrate --to, as it does for plan --to', async () => {
    await archiveCurrentSegment(url);
    const restore = await cli(['restore', '--before-migration', '20250305000000', '--tables', 'public.accounts', '--into-database', url, '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(restore.json<RestoreTablesDoc>().beforeMigration.migration).toBe(NORMALIZE);

    const { database } = await primary.createDatabase();
    const fresh = ['--migrations', MIGRATIONS, '--database-url', primary.url(database), '--storage', storage];
    const migrate = await cli(['migrate', '--to', '20250103091700', '--backup', 'never', '--json', ...fresh]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(migrate.json<{ applied: string[] }>().applied).toEqual(['20250103091500_create_accounts_and_agents', '20250103091700_create_tickets']);

    // The enum value's down is dbmate new's empty template: undo refuses it at once, saying so, before any backup.
    const toEnum = await cli(['migrate', '--to', '20250202120000_add_ticket_status_escalated', '--backup', 'never', ...fresh]);
    expect(toEnum.exitCode, toEnum.stderr).toBe(0);
    const undo = await cli(['undo', '--count', '1', '--yes', '--json', ...fresh]);
    expect(undo.exitCode).toBe(4);
    const doc = undo.json<{ backup: unknown; error: { code: string; message: string } }>();
    expect(doc.error.code).toBe('IRREVERSIBLE');
    expect(doc.error.message).toContain('20250202120000_add_ticket_status_escalated (empty: its "-- migrate:down" block is empty');
    expect(doc.backup).toBeNull();
  }, 600_000);
});

describe('the on-call engineer in the dbmate project root', () => {
  it('status without --migrations names ./db/migrations (dbmate\'s default --migrations-dir) in its refusal', async () => {
    const run = await runBuiltCli(['status'], { cwd: PROJECT });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('./db/migrations exists (dbmate\'s default --migrations-dir): pass --migrations db/migrations');
  });
});
