/**
 * backup → damage → restore against a real PostgreSQL cluster, to a real
 * S3-protocol server (s3rver) and to a directory; restores are proven by
 * fingerprints equal to the ones taken before the damage.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup, listBackups, listHistory, loadManifest, openRun, openStorage, resolveConfig, restore } from '../../../src/index.js';
import { dumpKey, newBackupId } from '../../../src/backup/layout.js';
import { installedMajor, startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import { cli, filesUnder, fingerprintsOf, SEED_SQL } from './support.js';
import { runOf } from '../../harness/runs.js';

let cluster: Cluster;
let s3: S3Server;
let seed: string;
let work: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [cluster, s3] = await Promise.all([startCluster(), startS3Server(['backups'])]);
  Object.assign(process.env, s3.env);
  delete process.env.DATABASE_URL;
  delete process.env.DBROLLBACK_STORAGE;
  seed = uniqueName('seed');
  await cluster.createDatabase(seed);
  await cluster.sql(seed, SEED_SQL);
  work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-backup-it-'));
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([cluster?.stop(), s3?.stop()]);
  await rm(work, { recursive: true, force: true });
});

async function freshDb(): Promise<string> {
  const name = uniqueName('app');
  await cluster.createDatabase(name, { template: seed });
  return name;
}

const dirStorage = async () => mkdtemp(path.join(work, 'store-'));
let prefixCounter = 0;
const s3Storage = () => s3.storageUrl('backups', `t${++prefixCounter}`);

async function damage(db: string): Promise<void> {
  await cluster.sql(db, `
    DELETE FROM app.orders WHERE id % 3 = 0;
    UPDATE app.customers SET name = upper(name) WHERE id < 50;
    DROP TABLE public.settings;
    CREATE TABLE app.added_later (id int);`);
}

describe.each([
  ['s3', s3Storage],
  ['file', dirStorage],
] as const)('backup and restore via %s storage', (_kind, storageFor) => {
  it('backup → damage → restore in place (--yes) gives identical fingerprints; the damaged database is kept aside', async () => {
    const db = await freshDb();
    const storage = await storageFor();
    const before = await fingerprintsOf(cluster.conn(db));

    const made = await cli(['backup', '--database-url', cluster.url(db), '--storage', storage, '--label', 'before release', '--json']);
    expect(made.code).toBe(0);
    const b = made.json().backup as Record<string, unknown>;
    expect(b).toMatchObject({ kind: 'logical', label: 'before release', database: db, verified: true, migrationHead: null });
    expect(b.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.serverVersion).toMatch(new RegExp(`^${await installedMajor()}\\.`));

    const manifest = await loadManifest(openStorage(storage), b.id as string);
    expect(manifest.tables).toEqual(before);
    expect(manifest.tablesInDumpSnapshot).toBe(true);

    await damage(db);
    expect(await fingerprintsOf(cluster.conn(db))).not.toEqual(before);

    const restored = await cli(['restore', '--backup', b.id as string, '--database-url', cluster.url(db), '--storage', storage, '--yes', '--json']);
    expect(restored.stderr).toContain('restore: done');
    expect(restored.code).toBe(0);
    const r = restored.json();
    expect(r).toMatchObject({ ok: true, backupId: b.id, mode: 'swap', database: db });
    expect(await fingerprintsOf(cluster.conn(db))).toEqual(before);
    // The damaged database is kept, not dropped: writes after the backup are not destroyed silently.
    const previous = r.previousDatabase as string;
    const kept = await cluster.sql<{ n: string }>(previous, 'SELECT count(*) AS n FROM app.added_later');
    expect(kept[0]!.n).toBe('0');
    // The run is in the audit trail, in the storage — outside the database it rewound.
    // The backup is a run of its own too; the restore's record is the one for this run.
    const entry = (await listHistory(openStorage(storage))).find((e) => e.record?.command === 'restore');
    expect(entry!.key).toBe(r.auditKey);
    expect(entry!.record).toMatchObject({ command: 'restore', outcome: 'success', backupId: b.id, error: null });
    expect(entry!.record!.commandLine.join(' ')).toContain(`restore --backup ${b.id as string}`);
    expect(entry!.record!.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['backup:success', 'target:success', 'restore:success', 'verify:success', 'swap:success']);
  });

  it('restore into a new database (--target-database) creates it and proves it against the manifest', async () => {
    const db = await freshDb();
    const storage = await storageFor();
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    const { manifest } = await backup(runOf(config));
    const target = uniqueName('restored');
    const r = await cli(['restore', '--backup', 'latest', '--target-database', cluster.url(target), '--database-url', cluster.url(db), '--storage', storage, '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ mode: 'new-database', database: target, previousDatabase: null, verify: { ok: true, tables: manifest.tables.length } });
    expect(await fingerprintsOf(cluster.conn(target))).toEqual(manifest.tables);
  });
});

describe('which backup is used', () => {
  it('latest picks the newest complete backup, never a newer incomplete one', async () => {
    const db = await freshDb();
    const storage = await dirStorage();
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    await backup(runOf(config), { label: 'first' });
    await cluster.sql(db, "INSERT INTO public.settings VALUES ('second', 'yes')");
    const second = await backup(runOf(config), { label: 'second' });
    // A newer dump whose upload never finished: no manifest.
    const orphan = newBackupId(new Date(Date.now() + 60_000));
    await openStorage(storage).put(dumpKey(orphan), 'half a dump');

    const listed = await cli(['backups', '--storage', storage, '--json']);
    expect(listed.code).toBe(0);
    const rows = listed.json().backups as Array<Record<string, unknown>>;
    expect(rows.map((row) => [row.id, row.status])).toEqual([
      [orphan, 'incomplete'],
      [second.manifest.id, 'complete'],
      [expect.any(String), 'complete'],
    ]);
    for (const key of ['id', 'kind', 'createdAt', 'sizeBytes', 'sha256', 'migrationHead', 'serverVersion']) expect(rows[1]).toHaveProperty(key);

    const target = uniqueName('latest');
    const r = await restore(runOf(config), { backup: 'latest', targetDatabase: cluster.url(target) });
    expect(r.backupId).toBe(second.manifest.id);
    const rowsThere = await cluster.sql(target, "SELECT 1 FROM public.settings WHERE key = 'second'");
    expect(rowsThere).toHaveLength(1);

    const human = await cli(['backups', '--storage', storage]);
    expect(human.stdout).toMatch(/INCOMPLETE \(never used\)/);
  });

  it('an unknown backup id is exit 2 (BACKUP_NOT_FOUND) and no database is created', async () => {
    const storage = await dirStorage();
    const target = uniqueName('never');
    const r = await cli(['restore', '--backup', '20200101T000000Z-abcdef', '--target-database', cluster.url(target), '--database-url', cluster.url(seed), '--storage', storage, '--json']);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'BACKUP_NOT_FOUND' } });
    expect(await cluster.sql('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [target])).toHaveLength(0);
  });
});

describe('damaged backups are refused by checksum', () => {
  let storage: string;
  let id: string;
  let db: string;

  beforeAll(async () => {
    db = await freshDb();
    storage = await dirStorage();
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    const run = openRun(config);
    id = (await backup(run)).manifest.id;
    await run.close();
  });

  async function restoreCopy(jobs: string): Promise<{ run: Awaited<ReturnType<typeof cli>>; target: string }> {
    const target = uniqueName('damaged');
    const run = await cli(['restore', '--backup', id, '--target-database', cluster.url(target), '--database-url', cluster.url(db), '--storage', storage, '--jobs', jobs, '--json']);
    return { run, target };
  }

  it('an altered byte: exit 1 CHECKSUM_MISMATCH, the new database is not left behind (streamed and via temp file)', async () => {
    const file = path.join(storage, ...dumpKey(id).split('/'));
    const original = await readFile(file);
    const altered = Buffer.from(original);
    altered[Math.floor(altered.length / 2)]! ^= 0xff;
    await writeFile(file, altered);
    try {
      for (const jobs of ['1', '2']) {
        const { run, target } = await restoreCopy(jobs);
        expect(run.code).toBe(1);
        expect(run.json()).toMatchObject({ ok: false, error: { code: 'CHECKSUM_MISMATCH' } });
        expect(await cluster.sql('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [target])).toHaveLength(0);
      }
    } finally {
      await writeFile(file, original);
    }
  });

  it('a truncated object: exit 1 CHECKSUM_MISMATCH', async () => {
    const file = path.join(storage, ...dumpKey(id).split('/'));
    const original = await readFile(file);
    await truncate(file, original.length - 100);
    try {
      const { run } = await restoreCopy('2');
      expect(run.code).toBe(1);
      expect(run.json()).toMatchObject({ ok: false, error: { code: 'CHECKSUM_MISMATCH' } });
    } finally {
      await writeFile(file, original);
    }
  });
});

describe('a damaged table of contents makes pg_restore stop reading early', () => {
  /** Where the first TOC entry's dump ID sits in a custom-format archive (its header read as pg_restore reads it). */
  function firstTocEntryOffset(bytes: Buffer): number {
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('PGDMP');
    const [minor, intSize] = [bytes[6]!, bytes[8]!];
    let at = 11;
    const readInt = (): number => {
      const negative = bytes[at] !== 0;
      let value = 0;
      for (let i = 0; i < intSize; i++) value += bytes[at + 1 + i]! * 256 ** i;
      at += 1 + intSize;
      return negative ? -value : value;
    };
    const skipString = (): void => {
      const length = readInt();
      if (length > 0) at += length;
    };
    if (minor >= 15) at += 1; // the compression algorithm: one byte from archive version 1.15
    else readInt(); // the compression level
    for (let i = 0; i < 7; i++) readInt(); // the timestamp
    for (let i = 0; i < 3; i++) skipString(); // database name, server version, pg_dump version
    readInt(); // the number of TOC entries
    return at;
  }

  it('exit 1 CHECKSUM_MISMATCH all the same (the stored dump hashed again), not pg_restore\'s "corrupt TOC"', async () => {
    // A dump well beyond the pipe's buffer, so pg_restore quits while the download still writes to it.
    const db = uniqueName('toc');
    await cluster.createDatabase(db);
    await cluster.sql(db, "CREATE TABLE filler AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS t FROM generate_series(1, 60000) g");
    const storage = await dirStorage();
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    const run = openRun(config);
    const id = (await backup(run)).manifest.id;
    await run.close();
    const file = path.join(storage, ...dumpKey(id).split('/'));
    const bytes = await readFile(file);
    expect(bytes.length).toBeGreaterThan(1024 * 1024);
    const at = firstTocEntryOffset(bytes);
    bytes.fill(0x7f, at, at + 5); // the first entry's dump ID: far out of range
    await writeFile(file, bytes);
    const target = uniqueName('toc_copy');
    const r = await cli(['restore', '--backup', id, '--target-database', cluster.url(target), '--database-url', cluster.url(db), '--storage', storage, '--jobs', '1', '--json']);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'CHECKSUM_MISMATCH', message: expect.stringContaining('the stored dump is damaged') } });
    expect(await cluster.sql('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [target])).toHaveLength(0);
  });
});

describe('replacing a database that has content', () => {
  it('a non-empty target without --yes is refused (exit 2) and left unchanged', async () => {
    const db = await freshDb();
    const storage = await dirStorage();
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    await backup(runOf(config));
    const other = await freshDb();
    await cluster.sql(other, "INSERT INTO public.settings VALUES ('other', 'x')");
    const before = await fingerprintsOf(cluster.conn(other));
    const r = await cli(['restore', '--backup', 'latest', '--target-database', cluster.url(other), '--database-url', cluster.url(db), '--storage', storage]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exists and is not empty; nothing was changed/);
    expect(await fingerprintsOf(cluster.conn(other))).toEqual(before);
  });

  it('in place without --yes is refused (exit 2) before anything is read', async () => {
    const db = await freshDb();
    const r = await cli(['restore', '--backup', 'latest', '--database-url', cluster.url(db), '--storage', await dirStorage(), '--json']);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ error: { code: 'CONFIRMATION_REQUIRED' } });
  });

  it('active sessions are reported and refuse the swap (exit 4); --terminate-connections ends them', async () => {
    const db = await freshDb();
    const storage = await dirStorage();
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    const { manifest } = await backup(runOf(config));
    await damage(db);
    const app = new pg.Client({ ...cluster.conn(db), application_name: 'the-app' });
    await app.connect();
    app.on('error', () => undefined);
    try {
      const refused = await cli(['restore', '--backup', manifest.id, '--database-url', cluster.url(db), '--storage', storage, '--yes']);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toMatch(/1 session is connected to .*"the-app"/);
      expect(refused.stderr).toMatch(/--terminate-connections/);

      const forced = await cli(['restore', '--backup', manifest.id, '--database-url', cluster.url(db), '--storage', storage, '--yes', '--terminate-connections', '--json']);
      expect(forced.code).toBe(0);
      expect(forced.json()).toMatchObject({ terminatedSessions: 1, mode: 'swap' });
      expect(await fingerprintsOf(cluster.conn(db))).toEqual(manifest.tables);
    } finally {
      await app.end().catch(() => undefined);
    }
  });

  it('a parallel restore (--jobs 2) of a non-empty target with --yes swaps in a verified copy', async () => {
    const db = await freshDb();
    const storage = await dirStorage();
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    const { manifest } = await backup(runOf(config));
    await damage(db);
    const r = await restore(runOf(config), { backup: manifest.id, yes: true, jobs: 2 });
    expect(r).toMatchObject({ jobs: 2, mode: 'swap', verify: { ok: true } });
    expect(await fingerprintsOf(cluster.conn(db))).toEqual(manifest.tables);
  });
});

describe('backup details', () => {
  it('the baseline is exact while the application keeps writing (fingerprints in the dump snapshot)', async () => {
    const db = await freshDb();
    const storage = await dirStorage();
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    const writer = new pg.Client(cluster.conn(db));
    await writer.connect();
    let writing = true;
    let committed = 0;
    const load = (async () => {
      while (writing) {
        await writer.query("INSERT INTO app.orders (customer_id, total) SELECT 1 + (random() * 499)::int, 1 FROM generate_series(1, 50)");
        committed += 1;
      }
    })();
    try {
      // The writer is going before the backup starts, and keeps committing while it runs.
      while (committed < 3) await new Promise((r) => setTimeout(r, 5));
      const atStart = committed;
      const { manifest } = await backup(runOf(config));
      const atEnd = committed;
      writing = false;
      await load;
      // Writes overlapped the backup: at least one whole insert committed between its start and its end ...
      expect(atEnd - atStart, 'no write overlapped the backup').toBeGreaterThanOrEqual(2);
      // ... and the baseline holds fewer orders than the table has now (the snapshot excluded the later ones).
      const [{ n }] = (await cluster.sql<{ n: string }>(db, 'SELECT count(*) AS n FROM app.orders')) as [{ n: string }];
      expect(manifest.tables.find((t) => t.schema === 'app' && t.table === 'orders')!.rows).toBeLessThan(Number(n));
      const target = uniqueName('snap');
      const r = await restore(runOf(config), { backup: manifest.id, targetDatabase: cluster.url(target) });
      expect(r.ok).toBe(true);
    } finally {
      writing = false;
      await load.catch(() => undefined);
      await writer.end();
    }
  });

  it('--no-readback is recorded as not verified', async () => {
    const db = await freshDb();
    const storage = await dirStorage();
    const r = await cli(['backup', '--database-url', cluster.url(db), '--storage', storage, '--no-readback', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ backup: { verified: false } });
    expect((await listBackups(openStorage(storage)))[0]).toMatchObject({ verified: false, status: 'complete' });
  });

  it('records the migration head reported by the project migration tool', async () => {
    const db = await freshDb();
    const storage = await dirStorage();
    const migrations = path.join(work, `migrations-${uniqueName('m')}`);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(migrations);
    await writeFile(path.join(migrations, '001_widgets.up.sql'), 'CREATE TABLE widgets (id int);');
    await writeFile(path.join(migrations, '001_widgets.down.sql'), 'DROP TABLE widgets;');
    await writeFile(path.join(migrations, '002_gadgets.up.sql'), 'CREATE TABLE gadgets (id int);');
    await writeFile(path.join(migrations, '002_gadgets.down.sql'), 'DROP TABLE gadgets;');
    const up = await cli(['migrate', '--database-url', cluster.url(db), '--migrations', migrations, '--migrator', 'sql', '--storage', storage, '--yes']);
    expect(up.code, up.stderr).toBe(0);
    const r = await cli(['backup', '--database-url', cluster.url(db), '--storage', storage, '--migrations', migrations, '--migrator', 'sql', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ backup: { migrationHead: '002_gadgets', migrator: 'sql' } });
  });

  it('a configured but broken migrations setup is an error, not a silent null head; nothing is written', async () => {
    const storage = await dirStorage();
    const empty = await mkdtemp(path.join(work, 'nomig-'));
    await writeFile(path.join(empty, 'README.txt'), 'not migrations');
    const r = await cli(['backup', '--database-url', cluster.url(seed), '--storage', storage, '--migrations', empty, '--json']);
    expect(r.code).toBe(2);
    expect(await filesUnder(storage)).toEqual([]);
  });
});
