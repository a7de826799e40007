/**
 * The point-in-time and `--before-migration` tests dbrollback's own archive
 * passes (test/integration/pitr, test/integration/before-migration), run
 * against a primary archiving through another tool: the copy must hold
 * exactly the data from before the damage, archiving off, verified, and
 * the run recorded in dbrollback's storage.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../harness/cluster.js';
import { FIXTURES } from '../undo/support.js';
import { BAD, contents, projectWithBadMigration } from '../before-migration/support.js';
import { archiveCurrentSegment, cli, markTarget, query, sharedDir, stopCopy, type Marks } from '../pitr/support.js';
import type { ArchivedPrimary } from './support.js';

interface Ledger {
  rows: number;
  sum: number;
  notes: string;
}

async function ledgerOf(url: string): Promise<Ledger> {
  const [row] = await query<{ rows: string; sum: string; notes: string }>(url, "SELECT count(*) AS rows, coalesce(sum(amount), 0) AS sum, string_agg(note, ',' ORDER BY id) AS notes FROM ledger");
  return { rows: Number(row!.rows), sum: Number(row!.sum), notes: row!.notes };
}

interface PitrDoc {
  ok: boolean;
  archiver: string;
  baseBackupId: string;
  url: string | null;
  running: boolean;
  port: number;
  startCommand: string;
  recovery: { segmentsFetched: number; newTimeline: number };
  verify: { ok: boolean; checks: Array<{ id: string; status: string }> };
  steps: Array<{ name: string; status: string; detail?: string }>;
  auditKey: string;
  beforeMigration?: { kind: string; restorePoint: string; lsn: string };
}

/** What a member's own extra tests see of the suite's primary, once set up. */
export interface SuiteContext {
  archived(): ArchivedPrimary;
  /** The built CLI with the storage and the archiver's flags. */
  run(args: string[]): ReturnType<typeof cli>;
  /** The shop project's flags (migrations, --database-url). */
  shopArgs(): string[];
  /** The shop database's rows just before the bad migration. */
  shopBefore(): Record<string, string[]>;
  restorePointLsn(): string;
  work(): string;
}

export function archiverSuite(name: string, open: () => Promise<ArchivedPrimary>, more?: (ctx: SuiteContext) => void): void {
  // Each restore fetches WAL one segment at a time through the tool's own program (a Python start for Barman Cloud).
  describe(`${name} as the archiver: restore --point-in-time | --lsn | --restore-point | --before-migration [--tables]`, { timeout: 300_000 }, () => {
    let archived: ArchivedPrimary;
    let storageDir: string;
    let work: string;
    let baseId: string;
    let marks: Marks;
    let good: Ledger;
    let shopArgs: string[];
    let shopBefore: Record<string, string[]>;
    let migrateDoc: { recovery: { via: string; backupId: string | null; baseBackupId: string | null }; migrations: Array<{ restorePoint: { name: string; lsn: string } | null }> };
    const db = (database = 'postgres') => archived.primary.url(database);
    const withPassword = (url: string) => url.replace('postgres://postgres@', `postgres://postgres:${encodeURIComponent(archived.primary.password)}@`);
    const run = (args: string[]) => cli([...args, '--storage', pathToFileURL(storageDir).href, ...archived.flags], archived.env);

    beforeAll(async () => {
      storageDir = await sharedDir('dbrollback-archiver-store-');
      work = await sharedDir('dbrollback-archiver-work-');
      archived = await open();
      // A shop project: 001-003 through migrate (the restore points land in the other tool's archive: WAL records).
      const shop = (await archived.primary.createDatabase()).database;
      shopArgs = [...(await projectWithBadMigration('sql')), '--database-url', db(shop)];
      expect((await run(['migrate', '--count', '3', '--backup', 'never', ...shopArgs])).exitCode).toBe(0);
      await archived.primary.sql(shop, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
      await query(db(), "CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL, note text); INSERT INTO ledger (amount, note) SELECT i, 'before base ' || i FROM generate_series(1, 100) i");
      baseId = await archived.backup();
      await query(db(), "INSERT INTO ledger (amount, note) SELECT i * 2, 'after base ' || i FROM generate_series(1, 50) i");
      good = await ledgerOf(db());
      marks = await markTarget(db(), 'before-damage');
      await query(db(), "DELETE FROM ledger WHERE id % 3 = 0; UPDATE ledger SET note = 'oops'");
      // The bad migration through migrate, with the other tool's archive as the way back; then later writes.
      shopBefore = await contents(db(shop));
      const migrate = await run(['migrate', '--json', ...shopArgs]);
      expect(migrate.exitCode, migrate.stderr).toBe(0);
      migrateDoc = migrate.json();
      await query(db(shop), "INSERT INTO customers (email, name) VALUES ('later@example.com', 'Later Customer')");
      await archiveCurrentSegment(db());
    }, 300_000);

    afterAll(async () => {
      await archived?.stop();
    });

    it('migrate relies on that archive (healthy, a backup reaches now): no logical backup, a restore point before the migration', () => {
      expect(migrateDoc.recovery).toMatchObject({ via: 'wal-archive', backupId: null, baseBackupId: baseId });
      expect(migrateDoc.migrations[0]!.restorePoint!.name).toBe(`dbrollback:before:${BAD}`);
    });

    it(`--point-in-time drives ${name}'s restore: exactly the data from before the damage, archiving off, verified, recorded in the storage`, async () => {
      const dataDir = path.join(work, 'by-time');
      const r = await run(['restore', '--database-url', db(), '--point-in-time', marks.time, '--data-dir', dataDir, '--port', String(await freePort()), '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const report = r.json<PitrDoc>();
      expect(report).toMatchObject({ ok: true, archiver: archived.kind, baseBackupId: baseId, running: true });
      expect(report.recovery.segmentsFetched).toBeGreaterThan(0);
      expect(report.verify.checks.map((c) => c.id)).toEqual(['connectivity', 'constraints', 'indexes', 'sequences', 'custom']);
      expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['choose-base:success', 'check-wal:success', 'extract:success', 'configure:success', 'start:success', 'recover:success', 'verify:success', 'finish:skipped']);
      const copy = withPassword(report.url!);
      try {
        expect(await ledgerOf(copy)).toEqual(good);
        const [settings] = await query<{ archive_mode: string; in_recovery: boolean; restore_command: string }>(copy, "SELECT current_setting('archive_mode') AS archive_mode, pg_is_in_recovery() AS in_recovery, current_setting('restore_command') AS restore_command");
        expect(settings).toMatchObject({ archive_mode: 'off', in_recovery: false });
        // The copy's WAL came through the tool's own restore command.
        expect(settings!.restore_command).toContain(archived.kind === 'pgbackrest' ? 'archive-get' : 'barman-cloud-wal-restore');
      } finally {
        await stopCopy(dataDir);
      }
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      const record = JSON.parse(await readFile(path.join(storageDir, report.auditKey), 'utf8')) as { command: string; outcome: string; backupId: string; plan: { archiver: string } };
      expect(record).toMatchObject({ command: 'restore', outcome: 'success', backupId: baseId, plan: { archiver: archived.kind } });
    });

    it('--lsn and --restore-point give the same pre-damage data; without --port the copy is stopped', async () => {
      for (const [flag, value] of [['--lsn', marks.lsn], ['--restore-point', marks.restorePoint]] as const) {
        const dataDir = path.join(work, `by${flag}`);
        const r = await run(['restore', '--database-url', db(), flag, value, '--data-dir', dataDir, '--json']);
        expect(r.exitCode, r.stderr).toBe(0);
        const report = r.json<PitrDoc>();
        expect(report.running).toBe(false);
        const { execa } = await import('execa');
        await execa('sh', ['-c', report.startCommand.replace(' start', ' -w start')]);
        try {
          expect(await ledgerOf(db().replace(`:${archived.primary.port}/`, `:${report.port}/`))).toEqual(good);
        } finally {
          await stopCopy(dataDir);
        }
      }
    });

    it('--before-migration: the restore point migrate recorded, found in that archive; the copy holds exactly the data from before the migration', async () => {
      const dataDir = path.join(work, 'before-migration');
      const r = await run(['restore', '--before-migration', BAD, '--data-dir', dataDir, '--port', String(await freePort()), '--json', ...shopArgs]);
      expect(r.exitCode, r.stderr).toBe(0);
      const report = r.json<PitrDoc>();
      expect(report.beforeMigration).toMatchObject({ kind: 'restore-point', restorePoint: `dbrollback:before:${BAD}`, lsn: migrateDoc.migrations[0]!.restorePoint!.lsn });
      expect(report.archiver).toBe(archived.kind);
      try {
        const shop = shopArgs.at(-1)!.replace(/^.*\//, '');
        expect(await contents(withPassword(report.url!).replace(/\/[^/]*$/, `/${shop}`))).toEqual(shopBefore);
      } finally {
        await stopCopy(dataDir);
      }
    });

    it('--before-migration --tables: orders as they were before the migration land beside the live tables, later writes kept', async () => {
      const url = shopArgs.at(-1)!;
      const liveBefore = await contents(url);
      const r = await run(['restore', '--before-migration', BAD, '--tables', 'public.orders', '--into-database', url, '--json', ...shopArgs]);
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = r.json<{ schema: string; tables: Array<{ table: string; rows: number; matches: boolean }> }>();
      expect(doc.tables).toMatchObject([{ table: 'public.orders', rows: 5, matches: true }]);
      const recovered = await query<{ r: string }>(url, `SELECT t::text AS r FROM ${doc.schema}.orders t ORDER BY 1`);
      expect(recovered.map((row) => row.r)).toEqual(shopBefore['public.orders']);
      expect(await contents(url)).toEqual(liveBefore);
      expect(liveBefore['public.customers']!.some((row) => row.includes('later@example.com'))).toBe(true);
    });

    it('a target before the oldest backup the tool lists is refused before anything is written (exit 2)', async () => {
      const dataDir = path.join(work, 'too-early');
      const r = await run(['restore', '--database-url', db(), '--point-in-time', '2020-01-01T00:00:00Z', '--data-dir', dataDir]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/no base backup ends before/);
      await expect(stat(dataDir)).rejects.toThrow();
    });

    it('backups --check reads the tool\'s own listing and the server\'s pg_stat_archiver: PITR to now is possible', async () => {
      await archiveCurrentSegment(db());
      const r = await run(['backups', '--check', '--database-url', db(), '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = r.json<{ archiver: string; ok: boolean; backups: Array<{ id: string }>; pitrToNow: { possible: boolean; fromBackup: string } }>();
      expect(doc).toMatchObject({ archiver: archived.kind, ok: true, pitrToNow: { possible: true, fromBackup: baseId } });
      expect(doc.backups.map((b) => b.id)).toContain(baseId);
    });

    more?.({
      archived: () => archived,
      run,
      shopArgs: () => shopArgs,
      shopBefore: () => shopBefore,
      restorePointLsn: () => migrateDoc.migrations[0]!.restorePoint!.lsn,
      work: () => work,
    });
  });
}
