/**
 * A point-in-time target is checked against the base backups before anything
 * is written (issue 25, part 3): the base backup chosen must end before the
 * target — time, LSN, restore point, before-migration — or the restore is
 * refused with exit 2, naming the newest usable base backup or saying there
 * is none, and --data-dir is never created. Also (part 8): the base backup's
 * progress never shows more bytes than a total, and the throwaway instance of
 * a table recovery is not said to be kept by a --port nobody gave.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { archiveCurrentSegment, archivingCluster, cli, query, sharedDir, stopCopy } from './support.js';

const X = '002_drop-account-notes';

async function project(): Promise<string> {
  return dirWith({
    '001_create-accounts.up.sql': 'CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL, notes text);\n',
    '001_create-accounts.down.sql': 'DROP TABLE accounts;\n',
    [`${X}.up.sql`]: 'ALTER TABLE accounts DROP COLUMN notes;\n',
    [`${X}.down.sql`]: '-- dbrollback:irreversible\nSELECT 1;\n',
  });
}

interface PointDoc {
  migrations: Array<{ name: string; restorePoint: { name: string; lsn: string; time: string } | null }>;
}

/** `dbrollback base-backup` with its progress lines (stderr) and id. */
async function baseBackupRun(storage: string, url: string): Promise<{ id: string; stderr: string }> {
  const run = await cli(['base-backup', '--storage', storage, '--database-url', url, '--json']);
  expect(run.exitCode, run.stderr).toBe(0);
  return { id: run.json<{ backup: { id: string } }>().backup.id, stderr: run.stderr };
}

const absent = async (dir: string) => expect(stat(dir)).rejects.toThrow(/ENOENT/);

describe('base backup chosen for a point-in-time target, checked before anything is written', () => {
  let primary: Cluster;
  let storage: string;
  let work: string;
  let url: string;
  let args: string[];
  let early: { id: string; stderr: string };
  let late: string;
  let point: { name: string; lsn: string; time: string };
  let byHand: string;

  beforeAll(async () => {
    storage = pathToFileURL(await sharedDir('dbrollback-choice-store-')).href;
    work = await sharedDir('dbrollback-choice-work-');
    primary = await archivingCluster(storage);
    const { database } = await primary.createDatabase();
    url = primary.url(database);
    args = ['--migrations', await project(), '--database-url', url, '--storage', storage];
    expect((await cli(['migrate', '--count', '1', '--backup', 'never', ...args])).exitCode).toBe(0);
    await query(url, "INSERT INTO accounts (name, notes) VALUES ('a', 'kept before X')");
    early = await baseBackupRun(storage, primary.url('postgres'));
    const migrate = await cli(['migrate', '--backup', 'never', '--json', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    point = migrate.json<PointDoc>().migrations[0]!.restorePoint!;
    // A point made by hand: the storage holds no record of it, only the archived WAL does.
    byHand = (await query<{ lsn: string }>(url, "SELECT pg_create_restore_point('by-hand')::text AS lsn"))[0]!.lsn;
    // Started after X's restore point: cannot stop before X.
    late = (await baseBackupRun(storage, primary.url('postgres'))).id;
    await query(url, "INSERT INTO accounts (name) VALUES ('after X')");
    await archiveCurrentSegment(url);
  });

  afterAll(async () => {
    await primary?.stop();
    await removeTempDirs();
  });

  it('--before-migration X picks the older base backup that ends before X\'s restore point, not the newest, and lands there', async () => {
    const dataDir = path.join(work, 'before-x');
    const run = await cli(['restore', '--before-migration', X, '--data-dir', dataDir, '--json', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = run.json<{ baseBackupId: string; target: { kind: string } }>();
    expect(doc.baseBackupId).toBe(early.id);
    expect(doc.baseBackupId).not.toBe(late);
    expect(doc.target.kind).toBe('name');
    await stopCopy(dataDir);
  });

  it.each([
    ['--before-migration', () => ['--before-migration', X]],
    ['--restore-point', () => ['--restore-point', point.name]],
    ['--lsn', () => ['--lsn', point.lsn]],
    ['--point-in-time', () => ['--point-in-time', point.time]],
    ['--restore-point (made by hand, not recorded)', () => ['--restore-point', 'by-hand']],
  ])('%s with --backup naming the base backup taken after the target: exit 2 naming the newest usable one, --data-dir never created', async (flag, target) => {
    const dataDir = path.join(work, `refused-${flag.slice(2)}`);
    const run = await cli(['restore', ...target(), '--backup', late, '--data-dir', dataDir, ...args]);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain(`base backup ${late} ends at`.replace(' ends at', flag === '--point-in-time' ? ' finished at' : ' ends at'));
    expect(run.stderr).toContain('Nothing was written');
    expect(run.stderr).toContain(`The newest base backup that ends before it is ${early.id}`);
    await absent(dataDir);
  });

  it('--restore-point of a point the storage does not record: placed from the archived WAL, and the base backup that ends before it chosen, not the newest', async () => {
    const dataDir = path.join(work, 'by-hand');
    const run = await cli(['restore', '--restore-point', 'by-hand', '--data-dir', dataDir, '--json', ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain(`restore point "by-hand" found in the archived WAL at ${byHand} (timeline 1)`);
    expect(run.json<{ baseBackupId: string }>().baseBackupId).toBe(early.id);
    await stopCopy(dataDir);
  });

  it('base-backup progress never shows more bytes than a total (the size estimate is dropped once outgrown)', () => {
    const lines = early.stderr.split('\n').filter((l) => l.startsWith('upload:'));
    expect(lines.at(-1)).toMatch(/— done$/);
    const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
    for (const line of lines) {
      const m = /^upload: ([\d.]+) (B|KiB|MiB|GiB) of ([\d.]+) (B|KiB|MiB|GiB)/.exec(line);
      if (m) expect(Number(m[1]) * units[m[2]!]!, line).toBeLessThanOrEqual(Number(m[3]) * units[m[4]!]!);
    }
  });

  it('--tables without --port: the throwaway instance is not said to be kept by --port', async () => {
    const run = await cli(['restore', '--before-migration', X, '--tables', 'public.accounts', '--into-database', url, ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/finish: skipped \(left running on port \d+ \(the tables are copied from it, then it is removed\)\)/);
    expect(run.stderr).not.toContain('(--port)');
  });
});

describe('no base backup ends before the target', () => {
  let primary: Cluster;
  let storage: string;
  let work: string;
  let args: string[];
  let only: string;

  beforeAll(async () => {
    storage = pathToFileURL(await sharedDir('dbrollback-none-store-')).href;
    work = await sharedDir('dbrollback-none-work-');
    primary = await archivingCluster(storage);
    const { database } = await primary.createDatabase();
    const url = primary.url(database);
    args = ['--migrations', await project(), '--database-url', url, '--storage', storage];
    expect((await cli(['migrate', '--backup', 'never', ...args])).exitCode).toBe(0);
    // Made by hand before the only base backup: the storage holds no record of it.
    await query(url, "SELECT pg_create_restore_point('by-hand-early')");
    only = (await baseBackupRun(storage, primary.url('postgres'))).id;
    await archiveCurrentSegment(url);
  });

  afterAll(async () => {
    await primary?.stop();
  });

  it('restore --before-migration X: exit 2, says no base backup ends before it (naming the oldest and where it ends), --data-dir never created', async () => {
    const dataDir = path.join(work, 'never');
    const run = await cli(['restore', '--before-migration', X, '--data-dir', dataDir, '--json', ...args]);
    expect(run.exitCode).toBe(2);
    const doc = run.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>();
    expect(doc.error.code).toBe('BACKUP_NOT_FOUND');
    expect(doc.error.message).toMatch(new RegExp(`^no base backup ends before restore point "dbrollback:before:${X}" \\(at [0-9A-F]+/[0-9A-F]+\\): the oldest on the timeline path, ${only}, ends at`));
    expect(doc.error.message).toContain('Nothing was written');
    await absent(dataDir);
  });

  it('restore --restore-point of a point made by hand before the only base backup: not in the WAL recovery can replay, exit 2 saying none reaches it, --data-dir never created', async () => {
    const dataDir = path.join(work, 'by-hand-early');
    const run = await cli(['restore', '--restore-point', 'by-hand-early', '--data-dir', dataDir, '--json', ...args]);
    expect(run.exitCode, run.stderr).toBe(2);
    const doc = run.json<{ error: { code: string; message: string } }>();
    expect(doc.error.code).toBe('RESTORE_POINT_NOT_FOUND');
    expect(doc.error.message).toMatch(new RegExp(`^restore point "by-hand-early" is neither in the storage's records nor in the archived WAL on the path recovery follows \\(timeline 1\\) from where the oldest base backup on it, ${only}, starts \\([0-9A-F]+/[0-9A-F]+; segments [0-9A-F]{24} … [0-9A-F]{24} read\\): if it was made before that, no base backup can reach it\\. Nothing was written$`));
    await absent(dataDir);
  });
});
