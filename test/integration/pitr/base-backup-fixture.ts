/**
 * A base backup in the storage layout agreed for PITR (backups/<id>/base.tar.gz
 * + manifest.json with a `base` section), made with the real pg_basebackup.
 * Used while `dbrollback base-backup` (branch wal) is not merged; the
 * restore tests only depend on the layout.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { createGzip } from 'node:zlib';
import { Transform } from 'node:stream';
import { newBackupId, manifestKey } from '../../../src/backup/layout.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import type { Cluster } from '../../harness/cluster.js';
import { query } from './support.js';

/** The server to back up: a harness cluster, or a restored copy (its URL and data directory). */
export interface BackupSource {
  url: string;
  dataDir: string;
}

export const sourceOf = (cluster: Cluster): BackupSource => ({ url: cluster.url('postgres'), dataDir: cluster.dataDir });

export async function fixtureBaseBackup(source: BackupSource, storageUrl: string, env: Record<string, string> = {}): Promise<string> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const storage = openStorage(storageUrl);
  try {
    const id = newBackupId();
    const url = source.url;
    const parsed = new URL(url);
    const [facts] = await query<{ sysid: string; segsize: string; version: string }>(
      url,
      "SELECT (SELECT system_identifier::text FROM pg_control_system()) AS sysid, current_setting('wal_segment_size') AS segsize, current_setting('server_version') AS version",
    );
    const startTime = new Date().toISOString();
    const pgBasebackup = (await execa('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/pg_basebackup | sort -V | tail -1'])).stdout.trim();
    const child = execa(pgBasebackup, ['-D', '-', '-Ft', '-X', 'none', '-c', 'fast', '-v', '-h', parsed.hostname, '-p', parsed.port, '-U', decodeURIComponent(parsed.username)], {
      env: { PGPASSWORD: decodeURIComponent(parsed.password) },
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: { stdout: false, stderr: true },
    });
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _e, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const key = `backups/${id}/base.tar.gz`;
    await storage.put(key, child.stdout!.pipe(createGzip()).pipe(tap));
    const { stderr } = await child;
    const stopTime = new Date().toISOString();
    // With -X none pg_basebackup does not print its WAL positions; the backup history file it left in pg_wal has them.
    const walDir = path.join(source.dataDir, 'pg_wal');
    const history = (await readdir(walDir)).filter((n) => n.endsWith('.backup')).sort().at(-1);
    const label = history ? await readFile(path.join(walDir, history), 'utf8') : '';
    const start = /START WAL LOCATION: (\S+) .*\n[^]*START TIMELINE: (\d+)/.exec(label);
    const stop = /STOP WAL LOCATION: (\S+)/.exec(label);
    if (!start || !stop) throw new Error(`no backup history file in ${walDir} after pg_basebackup: ${stderr}`);
    const segsize = Number(facts!.segsize.replace('MB', '')) * 1024 * 1024;
    const segName = (lsn: string, tli: number) => {
      const [hi, lo] = lsn.split('/').map((h) => BigInt(`0x${h}`)) as [bigint, bigint];
      const segno = ((hi << 32n) | lo) / BigInt(segsize);
      const per = 0x100000000n / BigInt(segsize);
      const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
      return `${hex(tli)}${hex(segno / per)}${hex(segno % per)}`;
    };
    const timeline = Number(start[2]);
    const manifest = {
      version: 1,
      id,
      kind: 'base',
      createdAt: startTime,
      label: null,
      database: 'postgres',
      serverVersion: facts!.version,
      pgDumpVersion: null,
      migrationHead: null,
      migrator: null,
      sizeBytes: size,
      sha256: hash.digest('hex'),
      verified: false,
      objects: [key],
      tables: [],
      base: {
        timeline,
        startLsn: start[1],
        stopLsn: stop[1],
        startWal: segName(start[1]!, timeline),
        stopWal: segName(stop[1]!, timeline),
        startTime,
        stopTime,
        systemIdentifier: facts!.sysid,
        walSegmentSize: segsize,
        tablespaces: [],
        backupManifestInTar: true,
      },
    };
    await storage.put(manifestKey(id), JSON.stringify(manifest, null, 2));
    return id;
  } finally {
    await storage.close();
    process.env = saved;
  }
}
