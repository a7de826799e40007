import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigratorKind } from '../../../src/index.js';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { catalogFingerprint, FIXTURES, TOOLS } from '../../integration/undo/support.js';

interface MigrateJson {
  ok: boolean;
  applied: string[];
  notApplied: string[];
  migrations: Array<{ name: string; status: string; restorePoint: { name: string; lsn: string; time: string } | null }>;
  backupId: string | null;
  headAfter: string | null;
  error?: { code: string; message: string; hint: string; details?: Record<string, unknown> };
}

function toolArgs(tool: MigratorKind): string[] {
  if (tool === 'umzug') return ['--config', path.join(FIXTURES, 'umzug', 'shop', 'dbrollback.config.mjs')];
  return ['--migrations', path.join(FIXTURES, tool, 'shop')];
}

/** LSNs compare as two hex numbers. */
function lsnValue(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

async function recordedPoints(storage: string): Promise<string[]> {
  const root = path.join(storage, 'restore-points');
  const dirs = await readdir(root).catch(() => [] as string[]);
  return dirs.map((d) => decodeURIComponent(d)).sort();
}

describe('dbrollback migrate through the built CLI', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ settings: { wal_level: 'replica' } });
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  describe.each(TOOLS)('%s project', (tool) => {
    let url: string;
    let database: string;
    let storage: string;
    const args = () => [...toolArgs(tool), '--database-url', url, '--storage', storage, '--json'];

    beforeAll(async () => {
      database = (await cluster.createDatabase()).database;
      url = cluster.url(database);
      storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-migrate-storage-'));
    });

    /**
     * 001-002 applied, seed rows, then 003: done once, by whichever test needs it first (each test sets up what it
     * needs, so the order the tests run in does not matter).
     */
    let migrated: Promise<MigrateJson[]> | undefined;
    const migratedTo003 = () =>
      (migrated ??= (async () => {
        const first = await runBuiltCli(['migrate', '--count', '2', ...args()]);
        expect(first.stderr).not.toMatch(/error/i);
        expect(first.exitCode).toBe(0);
        await cluster.sql(database, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
        const second = await runBuiltCli(['migrate', '--to', '003_index-orders-customer', ...args()]);
        expect(second.exitCode, second.stderr).toBe(0);
        return [first.json<MigrateJson>(), second.json<MigrateJson>()];
      })());

    it('makes a restore point before each migration, records it in the storage, and status shows it', async () => {
      const docs = await migratedTo003();
      expect(docs.flatMap((d) => d.applied)).toEqual(['001_create-tables', '002_add-customer-phone', '003_index-orders-customer']);
      const points = docs.flatMap((d) => d.migrations.map((m) => m.restorePoint!));
      expect(points.map((p) => p.name)).toEqual(['dbrollback:before:001_create-tables', 'dbrollback:before:002_add-customer-phone', 'dbrollback:before:003_index-orders-customer']);
      // Each point lies before the next migration's point in the WAL.
      for (let i = 1; i < points.length; i++) expect(lsnValue(points[i]!.lsn) > lsnValue(points[i - 1]!.lsn)).toBe(true);
      // No WAL archive here: --backup auto took a logical backup before each run.
      expect(docs.every((d) => d.backupId !== null)).toBe(true);
      expect(await recordedPoints(storage)).toEqual(['001_create-tables', '002_add-customer-phone', '003_index-orders-customer']);

      const status = await runBuiltCli(['status', ...args()]);
      expect(status.exitCode).toBe(0);
      const migrations = status.json<{ migrations: Array<{ name: string; applied: boolean; restorePoint: { name: string; lsn: string } | null }> }>().migrations;
      expect(migrations.filter((m) => m.applied).map((m) => [m.name, m.restorePoint?.lsn])).toEqual(points.map((p, i) => [docs.flatMap((d) => d.applied)[i], p.lsn]));
      expect(migrations.filter((m) => !m.applied).every((m) => m.restorePoint === null)).toBe(true);
      // This server does not archive: the points are there, but nothing can recover to them — said, not shown as "yes".
      expect(status.json<{ migrations: Array<{ restorePoint: { archived: boolean } | null }> }>().migrations.filter((m) => m.restorePoint).every((m) => m.restorePoint!.archived === false)).toBe(true);
      const text = await runBuiltCli(['status', ...args().filter((a) => a !== '--json')]);
      expect(text.stdout).toContain(`not archived (${points[0]!.lsn})`);
      expect(text.stdout).toContain('restore points not archived: the server was not archiving WAL when migrate made them');
    });

    it('restore --before-migration NAME --backup auto restores the logical backup migrate took at the head just before NAME', async () => {
      await migratedTo003();
      const target = (await cluster.createDatabase()).database;
      const run = await runBuiltCli(['restore', '--before-migration', '003_index-orders-customer', '--backup', 'auto', '--target-database', cluster.url(target), '--yes', ...args()]);
      expect(run.exitCode, run.stderr).toBe(0);
      const doc = run.json<{ ok: boolean; beforeMigration: { kind: string; head: string; backupId: string } }>();
      expect(doc.beforeMigration).toMatchObject({ kind: 'logical-backup', head: '002_add-customer-phone' });
      const history = tool === 'sql' ? 'dbrollback_migrations' : tool === 'umzug' ? 'umzug_migrations' : 'pgmigrations';
      const names = await cluster.sql<{ name: string }>(target, `SELECT name FROM ${history} ORDER BY name`);
      expect(names.map((n) => n.name)).toEqual(['001_create-tables', '002_add-customer-phone']);
      // Of the two backups at head 002, the newer one: taken by the run that applied 003, after the seed rows went in.
      expect((await cluster.sql<{ n: string }>(target, 'SELECT count(*) AS n FROM customers'))[0]!.n).toBe('4');
    });

    it('--fail-on breaking refuses the rename with exit 4, naming the statement and the safe alternative; nothing changes', async () => {
      await migratedTo003();
      const before = await catalogFingerprint(cluster, database);
      const backupsBefore = await readdir(path.join(storage, 'backups'));
      const run = await runBuiltCli(['migrate', '--fail-on', 'breaking', ...args()]);
      expect(run.exitCode).toBe(4);
      const doc = run.json<MigrateJson>();
      expect(doc.error!.code).toBe('CLASSIFY_FAIL_ON');
      expect(doc.error!.message).toMatch(/004_rename-order-note .*RENAME (COLUMN )?"?note"? TO "?customer_note/is);
      expect(doc.error!.message).toMatch(/safe alternative: /);
      expect(doc.applied).toEqual([]);
      expect(await catalogFingerprint(cluster, database)).toBe(before);
      expect(await readdir(path.join(storage, 'backups'))).toEqual(backupsBefore);
      expect(await recordedPoints(storage)).not.toContain('004_rename-order-note');
    });
  });

  describe('a migration failing midway (sql project)', () => {
    let project: string;
    let url: string;
    let database: string;
    let storage: string;

    beforeAll(async () => {
      project = await dirWith({
        '001_accounts.up.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, name text);',
        '001_accounts.down.sql': 'DROP TABLE accounts;',
        // What lock_timeout the tool's connection ran the migration under.
        '002_capture-lock-timeout.up.sql': "CREATE TABLE seen_lock_timeout AS SELECT current_setting('lock_timeout') AS value;",
        '002_capture-lock-timeout.down.sql': 'DROP TABLE seen_lock_timeout;',
        '003_broken.up.sql': 'ALTER TABLE no_such_table ADD COLUMN x int;',
        '003_broken.down.sql': 'SELECT 1;',
        '004_after.up.sql': 'CREATE TABLE after_broken (id int);',
        '004_after.down.sql': 'DROP TABLE after_broken;',
      });
      database = (await cluster.createDatabase()).database;
      url = cluster.url(database);
      storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-migrate-storage-'));
    });

    it('exits 1 naming the migrations applied, the one that failed and the restore point before the run', async () => {
      // Plain .up.sql names without dbrollback's markers are golang-migrate's too: on a fresh database the tool is said.
      const run = await runBuiltCli(['migrate', '--migrations', project, '--migrator', 'sql', '--database-url', url, '--storage', storage]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('applying 003_broken failed');
      expect(run.stderr).toContain('Applied by this run: 001_accounts, 002_capture-lock-timeout; not applied: 003_broken, 004_after');
      expect(run.stderr).toContain('The database is at 002_capture-lock-timeout');
      expect(run.stderr).toMatch(/restore point dbrollback:before:001_accounts \(LSN [0-9A-F]+\/[0-9A-F]+/);
      // The suggested restore carries this run's flags (given-flags.ts), so a copied one acts on the same database and storage.
      // The password is left out: libpq's PGPASSWORD or ~/.pgpass supplies it, or the copied command fails to connect.
      expect(run.stderr).toContain(`dbrollback --database-url ${url.replace(/:[^:@/]+@/, '@')} --storage ${storage} --migrations ${project} --migrator sql restore --backup `);
      expect(run.stderr).toMatch(/ restore --backup \d{8}T\d{6}Z-[0-9a-f]{6}/);

      const history = await cluster.sql<{ name: string }>(database, 'SELECT name FROM dbrollback_migrations ORDER BY name');
      expect(history.map((h) => h.name)).toEqual(['001_accounts', '002_capture-lock-timeout']);
      // The DDL ran under dbrollback's lock_timeout, not the server's default (0 = wait forever).
      expect((await cluster.sql<{ value: string }>(database, 'SELECT value FROM seen_lock_timeout'))[0]!.value).toBe('5s');
      // The failed migration's point was made and recorded too: it is where the database stands now.
      expect(await recordedPoints(storage)).toEqual(['001_accounts', '002_capture-lock-timeout', '003_broken']);

      const audit = await readdir(path.join(storage, 'audit'));
      expect(audit).toHaveLength(1);
      const record = JSON.parse(await readFile(path.join(storage, 'audit', audit[0]!), 'utf8')) as { command: string; outcome: string; extra: { migrations: Array<{ name: string; status: string }> } };
      expect(record.command).toBe('migrate');
      expect(record.outcome).toBe('failed');
      expect(record.extra.migrations.map((m) => `${m.name}:${m.status}`)).toEqual(['001_accounts:applied', '002_capture-lock-timeout:applied', '003_broken:failed', '004_after:not-run']);
    });
  });

  it.each([
    [['--count', '0'], /--count must be a whole number of at least 1/],
    [['--count', '1', '--to', '001_create-tables'], /either --count N or --to NAME, not both/],
    [['--to', '999_nope'], /no pending migration has that name/],
    [['--backup', 'sometimes'], /--backup must be one of always, auto, never/],
    [['--fail-on', 'scary'], /--fail-on must be breaking and\/or destructive \(got "scary"\)/],
  ])('migrate %j is bad input: exit 2, nothing applied or written', async (flags, message) => {
    const database = (await cluster.createDatabase()).database;
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-migrate-storage-'));
    const run = await runBuiltCli(['migrate', ...flags, ...toolArgs('sql'), '--database-url', cluster.url(database), '--storage', storage]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(await readdir(storage)).toEqual([]);
    expect((await cluster.sql<{ ok: boolean }>(database, "SELECT to_regclass('public.dbrollback_migrations') IS NULL AS ok"))[0]!.ok).toBe(true);
  });
});
