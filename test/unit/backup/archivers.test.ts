import { describe, expect, it } from 'vitest';
import { parseBackupList, ctimeUtc } from '../../../src/backup/archivers/barman-cloud.js';
import { cloudNativePgCluster } from '../../../src/backup/archivers/cloudnative-pg.js';
import { parseInfo, targetArgs } from '../../../src/backup/archivers/pgbackrest.js';
import { parseRecoveryTarget } from '../../../src/backup/pitr/target.js';
import { resolveConfig } from '../../../src/run/config.js';

describe('archivers: reading the tools and the settings', () => {
  it('pgbackrest restore gets --type, --target and --target-action=promote for each kind of target', () => {
    expect(targetArgs(parseRecoveryTarget({ lsn: '0/3000060' }))).toEqual(['--type=lsn', '--target=0/3000060', '--target-action=promote']);
    expect(targetArgs(parseRecoveryTarget({ restorePoint: 'dbrollback:before:004' }))).toEqual(['--type=name', '--target=dbrollback:before:004', '--target-action=promote']);
    expect(targetArgs(parseRecoveryTarget({ pointInTime: '2026-01-02T13:30:00Z', now: new Date('2026-06-01T00:00:00Z') }))).toEqual(['--type=time', '--target=2026-01-02 13:30:00+00:00', '--target-action=promote']);
    expect(targetArgs(parseRecoveryTarget({ endOfArchive: true }))).toEqual(['--type=default']);
    // A recorded point with an earlier namesake: its LSN, exclusive (the name would stop at the earlier one).
    const named = parseRecoveryTarget({ restorePoint: 'dbrollback:before:004' });
    if (named.kind !== 'name') throw new Error('expected a name target');
    expect(targetArgs({ ...named, at: { lsn: 0x3000060n, timeline: 1, earlier: 0x2000028n } })).toEqual(['--type=lsn', '--target=0/3000060', '--target-exclusive', '--target-action=promote']);
    expect(targetArgs({ ...named, at: { lsn: 0x3000060n, timeline: 1, earlier: null } })).toEqual(['--type=name', '--target=dbrollback:before:004', '--target-action=promote']);
  });

  it('pgbackrest info: the named stanza, or a clear error naming it', () => {
    const info = JSON.stringify([{ name: 'main', status: { code: 0, message: 'ok' }, db: [], archive: [], backup: [] }]);
    expect(parseInfo(info, 'main').name).toBe('main');
    expect(() => parseInfo(info, 'other')).toThrow(/knows no stanza other/);
    expect(() => parseInfo('not json', 'main')).toThrow(/printed no JSON/);
  });

  it('barman-cloud-backup-list: only DONE backups, oldest first, times read as UTC, the major version from server_version_num', () => {
    const list = JSON.stringify({
      backups_list: [
        { backup_id: 'B', status: 'DONE', timeline: 1, begin_xlog: '0/5000028', end_xlog: '0/5000100', begin_wal: '000000010000000000000005', end_wal: '000000010000000000000005', begin_time: 'Sun Dec  6 10:00:01 2026', end_time: 'Sun Dec  6 10:00:09 2026', size: null, version: 150020 },
        { backup_id: 'A', status: 'DONE', timeline: 1, begin_xlog: '0/3000028', end_xlog: '0/3000100', begin_wal: '000000010000000000000003', end_wal: '000000010000000000000003', begin_time: 'Sat Dec  5 09:33:39 2026', end_time: 'Sat Dec  5 09:33:40 2026', size: 1, version: 150020 },
        { backup_id: 'C', status: 'FAILED', timeline: 1, begin_xlog: '0/7000028', end_xlog: '0/7000100', begin_wal: '', end_wal: '', begin_time: 'Sun Dec  6 11:00:01 2026', end_time: 'Sun Dec  6 11:00:01 2026', size: null, version: 150020 },
      ],
    });
    const backups = parseBackupList(list);
    expect(backups.map((b) => b.id)).toEqual(['A', 'B']);
    expect(backups[0]).toMatchObject({ stopTime: '2026-12-05T09:33:40.000Z', serverMajor: 15, startWal: '000000010000000000000003' });
    expect(ctimeUtc('Mon Jan 12 03:04:05 2026')).toBe('2026-01-12T03:04:05.000Z');
    expect(() => ctimeUtc('yesterday')).toThrow(/cannot read/);
  });

  it('the CloudNativePG Cluster: targetLSN exclusive, the object store as an external cluster named after the source server', () => {
    const cluster = cloudNativePgCluster({ name: 'shop-restored', source: { kind: 'barman-cloud', destination: 's3://b/p', serverName: 'pg-main', endpoint: 'http://minio:9000' }, target: { lsn: '0/5A000090' } }) as { spec: { bootstrap: unknown; externalClusters: unknown } };
    expect(cluster.spec.bootstrap).toEqual({ recovery: { source: 'pg-main', recoveryTarget: { targetLSN: '0/5A000090', exclusive: true } } });
    expect(cluster.spec.externalClusters).toEqual([{ name: 'pg-main', barmanObjectStore: { destinationPath: 's3://b/p', endpointURL: 'http://minio:9000', serverName: 'pg-main', s3Credentials: { inheritFromIAMRole: true }, wal: { maxParallel: 8 } } }]);
  });

  it('config: each archiver needs its own settings, and reports every missing or stray one at once', async () => {
    await expect(resolveConfig({ archiver: 'pgbackrest' }, { env: {} })).rejects.toThrow(/archiver pgbackrest needs stanza/);
    await expect(resolveConfig({ archiver: 'barman-cloud', barmanDestination: 'bucket' }, { env: {} })).rejects.toThrow(/is not an object store URL[\s\S]*needs the server name/);
    await expect(resolveConfig({ stanza: 'main' }, { env: {} })).rejects.toThrow(/stanza: only with archiver pgbackrest/);
    expect((await resolveConfig({ archiver: 'pgbackrest', stanza: 'main' }, { env: {} })).archiver).toEqual({ kind: 'pgbackrest', stanza: 'main' });
    expect((await resolveConfig({}, { env: { DBROLLBACK_ARCHIVER: 'barman-cloud' } }).catch((e: Error) => e.message))).toMatch(/needs the object store URL/);
    expect((await resolveConfig({}, { env: {} })).archiver).toEqual({ kind: 'dbrollback' });
  });
});
