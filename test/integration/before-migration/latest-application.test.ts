/**
 * `restore --before-migration X --backup auto` lands on the state just before
 * X's LATEST application, or says how far from it it lands (issue 25, parts 2
 * and 4). The scenario of the issue: a nightly backup (no --migrations: the
 * head is read from the history table), migrate X, undo X, writes, migrate X
 * again — the nightly backup is older than "just before X" and the restore
 * says so, naming the runs in between and the point-in-time route; once a
 * backup is taken right before the latest application, that one is chosen,
 * with no warning.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, suggested } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { FIXTURES } from '../undo/support.js';
import { archiveCurrentSegment, archivingCluster, baseBackup, cli, query, sharedDir, stopCopy } from '../pitr/support.js';
import { freePort } from '../../harness/cluster.js';

const X = '003_add-account-plan';

interface RestoreDoc {
  ok: boolean;
  warnings: string[];
  beforeMigration: { kind: string; backupId: string; head: string; exact: boolean; latestApplication: string | null; ageMs: number | null; runsBetween: string[]; warnings: string[] };
}

describe('restore --before-migration X --backup auto after an undo and a re-apply of X', () => {
  let primary: Cluster;
  let storage: string;
  let work: string;
  let project: string;
  let database: string;
  let url: string;
  /** A directory with no ./migrations, no config: where a nightly job runs. */
  let nightlyCwd: string;
  // Plain up/down pairs on a fresh database could be golang-migrate's too: the project names its tool.
  const args = () => ['--migrations', project, '--migrator', 'sql', '--database-url', url, '--storage', storage];
  const names = async (db: string) => (await query<{ name: string }>(primary.url(db), 'SELECT name FROM accounts ORDER BY name')).map((r) => r.name);

  let nightlyId: string;
  let firstMigrate: string;
  let undoRun: string;

  beforeAll(async () => {
    storage = pathToFileURL(await sharedDir('dbrollback-latest-store-')).href;
    work = await sharedDir('dbrollback-latest-work-');
    nightlyCwd = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-nightly-'));
    primary = await archivingCluster(storage);
    database = (await primary.createDatabase()).database;
    url = primary.url(database);
    project = await dirWith({
      '001_create-accounts.up.sql': 'CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL UNIQUE);\n',
      '001_create-accounts.down.sql': 'DROP TABLE accounts;\n',
      '002_create-notes.up.sql': 'CREATE TABLE notes (id serial PRIMARY KEY, account_id int REFERENCES accounts (id), body text);\n',
      '002_create-notes.down.sql': 'DROP TABLE notes;\n',
      [`${X}.up.sql`]: "ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';\n",
      [`${X}.down.sql`]: 'ALTER TABLE accounts DROP COLUMN plan;\n',
    });
    const applied = await cli(['migrate', '--count', '2', '--backup', 'never', ...args()]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    await query(url, "INSERT INTO accounts (name) VALUES ('before-nightly')");
    await baseBackup(storage, primary.url('postgres'));

    // The nightly job: a database and a storage, nothing else.
    const nightly = await runBuiltCli(['backup', '--database-url', url, '--storage', storage, '--json'], { cwd: nightlyCwd });
    expect(nightly.exitCode, nightly.stderr).toBe(0);
    const manifest = nightly.json<{ backup: { id: string; migrationHead: string | null; migrator: string | null } }>().backup;
    nightlyId = manifest.id;
    expect(manifest).toMatchObject({ migrationHead: '002_create-notes', migrator: 'sql' });
    expect(nightly.stderr).toContain('migration head: 002_create-notes (sql, read from its history table public.dbrollback_migrations)');

    await query(url, "INSERT INTO accounts (name) VALUES ('after-nightly')");
    const first = await cli(['migrate', '--count', '1', '--backup', 'never', '--json', ...args()]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    firstMigrate = first.json<{ auditKey: string }>().auditKey.replace(/^audit\/|\.json$/g, '');
    const undo = await cli(['undo', '--count', '1', '--yes', '--accept-data-loss', '--json', ...args()]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    undoRun = (undo.json<{ auditKey?: string; runId?: string }>().auditKey ?? '').replace(/^audit\/|\.json$/g, '');
    // Written between the undo and the re-apply: not in the nightly backup.
    await query(url, "INSERT INTO accounts (name) VALUES ('between-undo-and-reapply')");
    const again = await cli(['migrate', '--count', '1', '--backup', 'never', ...args()]);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  afterAll(async () => {
    await primary?.stop();
    await removeTempDirs();
  });

  it('warns that the backup is older, how old, which runs lie between, and that the point-in-time route reaches the moment (text and --json)', async () => {
    const target = (await primary.createDatabase()).database;
    const run = await cli(['restore', '--before-migration', X, '--backup', 'auto', '--target-database', primary.url(target), '--yes', '--json', ...args()]);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = run.json<RestoreDoc>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'logical-backup', backupId: nightlyId, head: '002_create-notes', exact: false });
    expect(doc.beforeMigration.ageMs).toBeGreaterThan(0);
    expect(doc.warnings).toEqual(doc.beforeMigration.warnings);
    const text = doc.warnings.join('\n');
    expect(text).toMatch(new RegExp(`backup ${nightlyId} is older than the state just before ${X}'s latest application \\(\\d{4}-.*\\): it was taken \\d+ s before it`));
    // The runs between: the first application and its undo, by their audit ids.
    expect(doc.beforeMigration.runsBetween.join('\n')).toContain(`migrate ${firstMigrate}`);
    expect(doc.beforeMigration.runsBetween.join('\n')).toContain(`undo ${undoRun}`);
    expect(doc.beforeMigration.runsBetween.join('\n')).toContain(`undid ${X}`);
    expect(text).toContain(`${suggested(args())} restore --before-migration ${X} --data-dir DIR`);
    expect(run.stderr).toMatch(new RegExp(`warning: backup ${nightlyId} is older`));
    // What the warning says is so: the row written between the undo and the re-apply is not there.
    expect(await names(target)).toEqual(['before-nightly']);
  });

  it('the text output says OLDER in the target line', async () => {
    const target = (await primary.createDatabase()).database;
    const run = await cli(['restore', '--before-migration', X, '--backup', 'auto', '--target-database', primary.url(target), '--yes', ...args()]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(`${run.stdout}\n${run.stderr}`).toContain(`before ${X}: logical backup ${nightlyId} taken at head 002_create-notes`);
    expect(`${run.stdout}\n${run.stderr}`).toContain('OLDER than the state just before its latest application');
  });

  describe('once migrate takes a backup right before the latest application', () => {
    beforeAll(async () => {
      expect((await cli(['undo', '--count', '1', '--yes', '--accept-data-loss', ...args()])).exitCode).toBe(0);
      await query(url, "INSERT INTO accounts (name) VALUES ('before-last-apply')");
      const last = await cli(['migrate', '--count', '1', '--backup', 'always', ...args()]);
      expect(last.exitCode, last.stderr).toBe(0);
    });

    it('that backup is chosen, exact, with no warning; every write before the application is there', async () => {
      const target = (await primary.createDatabase()).database;
      const run = await cli(['restore', '--before-migration', X, '--backup', 'auto', '--target-database', primary.url(target), '--yes', '--json', ...args()]);
      expect(run.exitCode, run.stderr).toBe(0);
      const doc = run.json<RestoreDoc>();
      expect(doc.beforeMigration.backupId).not.toBe(nightlyId);
      expect(doc.beforeMigration).toMatchObject({ kind: 'logical-backup', exact: true, runsBetween: [], warnings: [] });
      expect(doc.warnings).toEqual([]);
      expect(run.stderr).not.toContain('warning:');
      expect(await names(target)).toEqual(['after-nightly', 'before-last-apply', 'before-nightly', 'between-undo-and-reapply']);
    });

    it('the point-in-time route lands before the LATEST application too, not at the first restore point of that name in the WAL', async () => {
      await query(url, "INSERT INTO accounts (name) VALUES ('after-last-apply')");
      await archiveCurrentSegment(url);
      const dataDir = path.join(work, 'before-latest');
      const port = await freePort();
      const run = await cli(['restore', '--before-migration', X, '--data-dir', dataDir, '--port', String(port), '--json', ...args()]);
      expect(run.exitCode, run.stderr).toBe(0);
      try {
        const copy = `postgres://postgres:${encodeURIComponent(primary.password)}@127.0.0.1:${port}/${database}`;
        // Three applications of X share one restore point name; the copy holds everything before the third.
        expect((await query<{ name: string }>(copy, 'SELECT name FROM accounts ORDER BY name')).map((r) => r.name)).toEqual(['after-nightly', 'before-last-apply', 'before-nightly', 'between-undo-and-reapply']);
      } finally {
        await stopCopy(dataDir);
      }
    });
  });
});

describe('backup without --migrations reads the head from the history table (nightly job)', () => {
  let cluster: Cluster;
  let storage: string;
  let cwd: string;

  beforeAll(async () => {
    storage = pathToFileURL(await sharedDir('dbrollback-nightly-store-')).href;
    cwd = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-nightly-'));
    const { startCluster } = await import('../../harness/cluster.js');
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('node-pg-migrate: the head its pgmigrations table records, and `backups` lists it', async () => {
    const { database } = await cluster.createDatabase();
    const migrate = await cli(['migrate', '--count', '2', '--backup', 'never', '--migrations', path.join(FIXTURES, 'node-pg-migrate', 'shop'), '--database-url', cluster.url(database), '--storage', storage]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const run = await runBuiltCli(['backup', '--database-url', cluster.url(database), '--storage', storage, '--json'], { cwd });
    expect(run.exitCode, run.stderr).toBe(0);
    const id = run.json<{ backup: { id: string } }>().backup.id;
    const list = await runBuiltCli(['backups', '--storage', storage, '--json'], { cwd });
    const listed = list.json<{ backups: Array<{ id: string; migrationHead: string | null }> }>().backups.find((b) => b.id === id);
    expect(listed?.migrationHead).toBe('002_add-customer-phone');
  });

  it('a database with no history table: no head, and the backup says why', async () => {
    const { database } = await cluster.createDatabase();
    const run = await runBuiltCli(['backup', '--database-url', cluster.url(database), '--storage', storage, '--json'], { cwd });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<{ backup: { migrationHead: string | null } }>().backup.migrationHead).toBeNull();
    expect(run.stderr).toContain('migration head: not recorded (no migrations are configured (--migrations DIR, --migrator, or a ./migrations directory), and the database holds no known migration history table)');
  });
});
