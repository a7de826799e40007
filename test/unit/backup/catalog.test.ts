/** Listing, latest-selection and pruning over the in-memory driver (the contract's reference). */
import { describe, expect, it } from 'vitest';
import { listBackups, loadManifest } from '../../../src/backup/catalog.js';
import { backupIdTime, checkBackupId, dumpKey, isBackupId, manifestKey, newBackupId } from '../../../src/backup/layout.js';
import type { BackupManifest } from '../../../src/backup/manifest.js';
import { parseAge, pruneBackups } from '../../../src/backup/prune.js';
import { memoryStorage, type MemoryStorage } from '../../../src/storage/memory.js';

function manifestFor(id: string, createdAt: string, extra: Partial<BackupManifest> = {}): BackupManifest {
  return {
    version: 1,
    id,
    kind: 'logical',
    createdAt,
    label: null,
    database: 'app',
    serverVersion: '15.19',
    pgDumpVersion: '15.19',
    migrationHead: '002_add_email',
    migrator: 'sql',
    sizeBytes: 4,
    sha256: 'a'.repeat(64),
    verified: true,
    objects: [dumpKey(id)],
    tables: [{ schema: 'public', table: 't', rows: 1, hash: '1:2' }],
    ...extra,
  };
}

async function addBackup(storage: MemoryStorage, when: string, options: { manifest?: boolean; verified?: boolean; age?: Date; database?: string } = {}): Promise<string> {
  const id = newBackupId(new Date(when));
  await storage.put(dumpKey(id), 'dump');
  if (options.manifest !== false) await storage.put(manifestKey(id), JSON.stringify(manifestFor(id, new Date(when).toISOString(), { verified: options.verified ?? true, ...(options.database ? { database: options.database } : {}) })));
  if (options.age) {
    storage.touch(dumpKey(id), options.age);
    if (options.manifest !== false) storage.touch(manifestKey(id), options.age);
  }
  return id;
}

describe('backup ids', () => {
  it('sort by time and carry it', () => {
    const id = newBackupId(new Date('2026-11-21T08:30:00.456Z'), 'abcdef');
    expect(id).toBe('20261121T083000Z-abcdef');
    expect(isBackupId(id)).toBe(true);
    expect(backupIdTime(id)?.toISOString()).toBe('2026-11-21T08:30:00.000Z');
    expect(newBackupId(new Date('2026-11-21T08:30:01Z')) > id).toBe(true);
  });

  it('user-given ids that could escape the backups prefix are refused as unknown', () => {
    for (const bad of ['../x', 'a/b', '', '..']) expect(() => checkBackupId(bad)).toThrow(expect.objectContaining({ code: 'BACKUP_NOT_FOUND' }));
  });
});

describe('listBackups', () => {
  it('lists newest first; a dump without manifest is incomplete; a broken manifest is invalid', async () => {
    const storage = memoryStorage();
    const old = await addBackup(storage, '2026-01-01T00:00:00Z');
    const orphan = await addBackup(storage, '2026-03-01T00:00:00Z', { manifest: false });
    const newest = await addBackup(storage, '2026-02-01T00:00:00Z');
    const broken = newBackupId(new Date('2026-01-15T00:00:00Z'));
    await storage.put(dumpKey(broken), 'dump');
    await storage.put(manifestKey(broken), '{not json');
    const list = await listBackups(storage);
    expect(list.map((b) => [b.id, b.status])).toEqual([
      [orphan, 'incomplete'],
      [newest, 'complete'],
      [broken, 'invalid'],
      [old, 'complete'],
    ]);
    expect(list[1]).toMatchObject({ kind: 'logical', sizeBytes: 4, migrationHead: '002_add_email', serverVersion: '15.19', verified: true });
    expect(list[0]).toMatchObject({ sha256: null, verified: false, problem: expect.stringMatching(/no manifest/) });
  });

  it('a manifest whose dump is gone is invalid, never complete', async () => {
    const storage = memoryStorage();
    const id = await addBackup(storage, '2026-01-01T00:00:00Z');
    await storage.delete(dumpKey(id));
    expect((await listBackups(storage))[0]).toMatchObject({ status: 'invalid', problem: expect.stringMatching(/missing/) });
  });
});

describe('loadManifest', () => {
  it('latest is the newest complete backup, skipping incomplete and invalid ones', async () => {
    const storage = memoryStorage();
    await addBackup(storage, '2026-01-01T00:00:00Z');
    const newest = await addBackup(storage, '2026-02-01T00:00:00Z');
    await addBackup(storage, '2026-03-01T00:00:00Z', { manifest: false });
    expect((await loadManifest(storage, 'latest')).id).toBe(newest);
  });

  it('an unknown id is BACKUP_NOT_FOUND (exit 2); an incomplete one is BACKUP_INCOMPLETE', async () => {
    const storage = memoryStorage();
    const orphan = await addBackup(storage, '2026-03-01T00:00:00Z', { manifest: false });
    await expect(loadManifest(storage, '20990101T000000Z-000000')).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND', exitCode: 2 });
    await expect(loadManifest(storage, orphan)).rejects.toMatchObject({ code: 'BACKUP_INCOMPLETE' });
    await expect(loadManifest(storage, 'latest')).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND', message: expect.stringMatching(/1 incomplete/) });
  });
});

describe('latest in a storage shared by several databases', () => {
  it('is the newest backup of the database asked for, never a newer one of another', async () => {
    const storage = memoryStorage();
    const app = await addBackup(storage, '2026-01-01T00:00:00Z', { database: 'app' });
    const app2 = await addBackup(storage, '2026-02-01T00:00:00Z', { database: 'app2' });
    expect((await loadManifest(storage, 'latest', { kind: 'logical', database: 'app' })).id).toBe(app);
    expect((await loadManifest(storage, 'latest', { kind: 'logical', database: 'app2' })).id).toBe(app2);
    // An explicit id is never filtered: restoring another database's backup on purpose is allowed.
    expect((await loadManifest(storage, app2, { kind: 'logical', database: 'app' })).database).toBe('app2');
  });

  it('with none of that database, refuses (exit 2) naming whose backups there are, dbrollback backups and --backup ID', async () => {
    const storage = memoryStorage();
    await addBackup(storage, '2026-01-01T00:00:00Z', { database: 'app' });
    await addBackup(storage, '2026-02-01T00:00:00Z', { database: 'app2' });
    const refused = loadManifest(storage, 'latest', { kind: 'logical', database: 'billing' });
    await expect(refused).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND', exitCode: 2, message: expect.stringContaining('no complete logical backup of database "billing" in memory://') });
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining('it holds 2 of databases "app", "app2"'), hint: expect.stringMatching(/`dbrollback backups`.*--backup ID/) });
  });
});

describe('pruneBackups', () => {
  const now = new Date('2026-06-01T00:00:00Z');

  it('--keep N keeps the newest N of each database in a shared storage, and each one\'s newest verified', async () => {
    const storage = memoryStorage();
    const app = [];
    for (const m of ['01', '02', '03']) app.push(await addBackup(storage, `2026-${m}-01T00:00:00Z`, { database: 'app' }));
    // app2's backups are older and fewer: a storage-wide --keep 2 would delete them all.
    const app2Old = await addBackup(storage, '2025-11-01T00:00:00Z', { database: 'app2' });
    const app2 = await addBackup(storage, '2025-12-01T00:00:00Z', { database: 'app2' });
    const result = await pruneBackups(storage, { keep: 2, now });
    expect(result.deleted.map((b) => b.id).sort()).toEqual([app[0]].sort());
    expect(result.protectedIds).toEqual([app[2], app2]);
    expect((await listBackups(storage)).map((b) => b.id)).toEqual([app[2], app[1], app2, app2Old]);
    const older = await pruneBackups(storage, { olderThanMs: parseAge('30d'), now });
    expect(older.deleted.map((b) => b.id).sort()).toEqual([app[1], app2Old].sort());
  });

  it('--keep N keeps the newest N complete backups and deletes the rest (manifest and dump)', async () => {
    const storage = memoryStorage();
    const ids = [];
    for (const m of ['01', '02', '03', '04']) ids.push(await addBackup(storage, `2026-${m}-01T00:00:00Z`));
    const result = await pruneBackups(storage, { keep: 2, now });
    expect(result.deleted.map((b) => b.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect((await listBackups(storage)).map((b) => b.id)).toEqual([ids[3], ids[2]]);
    expect(await storage.list(`backups/${ids[0]}/`)).toEqual([]);
  });

  it('never deletes the newest verified backup, even when every backup is old', async () => {
    const storage = memoryStorage();
    const verified = await addBackup(storage, '2026-01-01T00:00:00Z');
    const unverified = await addBackup(storage, '2026-02-01T00:00:00Z', { verified: false });
    const result = await pruneBackups(storage, { olderThanMs: parseAge('30d'), now });
    expect(result.protectedId).toBe(verified);
    expect(result.deleted.map((b) => b.id)).toEqual([unverified]);
    expect((await listBackups(storage)).map((b) => b.id)).toEqual([verified]);
  });

  it('--older-than with --keep deletes only backups beyond N that are also old enough', async () => {
    const storage = memoryStorage();
    const a = await addBackup(storage, '2026-01-01T00:00:00Z');
    await addBackup(storage, '2026-05-20T00:00:00Z');
    await addBackup(storage, '2026-05-25T00:00:00Z');
    const d = await addBackup(storage, '2026-05-30T00:00:00Z');
    const result = await pruneBackups(storage, { keep: 1, olderThanMs: parseAge('30d'), now });
    expect(result.deleted.map((b) => b.id)).toEqual([a]);
    expect(result.protectedId).toBe(d);
  });

  it('leaves a young incomplete backup alone (it may still be in progress) and removes an old one', async () => {
    const storage = memoryStorage();
    await addBackup(storage, '2026-05-01T00:00:00Z');
    const young = await addBackup(storage, '2026-05-31T23:00:00Z', { manifest: false, age: new Date('2026-05-31T23:30:00Z') });
    const old = await addBackup(storage, '2026-05-01T00:00:00Z', { manifest: false, age: new Date('2026-05-01T00:10:00Z') });
    const result = await pruneBackups(storage, { keep: 5, now });
    expect(result.deleted.map((b) => b.id)).toEqual([old]);
    expect((await listBackups(storage)).some((b) => b.id === young)).toBe(true);
  });

  it('--dry-run deletes nothing; no flag at all is a usage error', async () => {
    const storage = memoryStorage();
    await addBackup(storage, '2026-01-01T00:00:00Z');
    await addBackup(storage, '2026-02-01T00:00:00Z');
    const result = await pruneBackups(storage, { keep: 1, dryRun: true, now });
    expect(result.deleted).toHaveLength(1);
    expect(await listBackups(storage)).toHaveLength(2);
    await expect(pruneBackups(storage, {})).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('parseAge understands m, h, d, w and refuses anything else', () => {
    expect(parseAge('30d')).toBe(30 * 86_400_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('2w')).toBe(14 * 86_400_000);
    for (const bad of ['30', 'd', '-1d', '0d', '1y']) expect(() => parseAge(bad)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
