/**
 * Clusters that archive through the built CLI, as a user would set them up:
 * archive_mode = on, archive_command = 'dbrollback wal-push %p --storage …'.
 * The server runs as the postgres OS user when tests run as root, so the
 * storage directory is handed to it.
 */
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isRoot, startCluster, type Cluster } from '../../harness/cluster.js';
import { CLI } from '../../harness/cli.js';
import type { S3Server } from '../../harness/s3-server.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import type { Storage } from '../../../src/storage/contract.js';
import { parseWalName, walKey } from '../../../src/backup/wal/layout.js';

export interface ArchiveTarget {
  /** The storage URL wal-push is given. */
  url: string;
  /** Environment the CLI needs for it (S3 credentials and endpoint). */
  env: Record<string, string>;
  /** The same storage, opened in the test process. */
  storage: Storage;
}

/** A storage directory the server's OS user can write. */
export async function fileArchive(): Promise<ArchiveTarget> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-archive-'));
  if (isRoot()) await execa('chown', ['postgres:', dir]);
  return { url: dir, env: {}, storage: openStorage(dir) };
}

/** A prefix in an s3rver bucket; the endpoint travels in AWS_ENDPOINT_URL_S3 (a % in archive_command is special). */
export function s3Archive(s3: S3Server, bucket: string, prefix: string): ArchiveTarget {
  const url = `s3://${bucket}/${prefix}?forcePathStyle=true&region=us-east-1`;
  // Warnings shown, as a user's server log would (NODE_NO_WARNINGS here once hid the AWS SDK's notice at every segment).
  const env = { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint };
  return { url, env, storage: openStorage(url, { env }) };
}

/** The shell command line of the built CLI with the target's environment in front. */
export function cliCommand(target: ArchiveTarget, args: string): string {
  const env = Object.entries(target.env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  return `${env} ${process.execPath} ${CLI} ${args} --storage ${shellQuote(target.url)}`.trim();
}

export async function archivingCluster(target: ArchiveTarget, settings: Record<string, string | number> = {}): Promise<Cluster> {
  return startCluster({
    settings: {
      wal_level: 'replica',
      archive_mode: 'on',
      archive_command: confQuote(cliCommand(target, 'wal-push %p')),
      full_page_writes: 'on',
      ...settings,
    },
  });
}

/** Switch to a new segment and return the name of the one just closed (nothing is switched on an idle segment, so write first). */
export async function switchWal(cluster: Cluster, db = 'postgres'): Promise<string> {
  await cluster.sql(db, 'CREATE TABLE IF NOT EXISTS wal_filler (x int); INSERT INTO wal_filler VALUES (1)');
  const [row] = await cluster.sql<{ name: string }>(db, 'SELECT pg_walfile_name(pg_switch_wal()) AS name');
  return row!.name;
}

/** Wait until `name` is in the archive (wal-push runs asynchronously, from the archiver). */
export async function waitArchived(storage: Storage, name: string, timeoutMs = 30_000): Promise<void> {
  const key = walKey(parseWalName(name)!);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await storage.stat(key)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} was not archived to ${storage.url} within ${timeoutMs} ms`);
}

export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const confQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export interface RestoredCluster {
  port: number;
  dataDir: string;
  url(database?: string): string;
  stop(): Promise<void>;
}

/**
 * The plainest restore of a base backup, for tests that need a restored
 * cluster (a new timeline): extract the tar, recover with wal-fetch to the
 * end of the archive, promote. It keeps archiving into `archiveTo` when given.
 */
export async function recoverToEnd(source: Cluster, target: ArchiveTarget, backupId: string, archiveTo?: ArchiveTarget): Promise<RestoredCluster> {
  const { freePort } = await import('../../harness/cluster.js');
  const base = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-restored-'));
  const dataDir = path.join(base, 'data');
  const tar = path.join(base, 'base.tar.gz');
  const { createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const { baseTarKey } = await import('../../../src/backup/layout.js');
  await pipeline(await target.storage.get(baseTarKey(backupId)), createWriteStream(tar));
  await execa('mkdir', ['-p', dataDir]);
  await execa('tar', ['-xzf', tar, '-C', dataDir]);
  const port = await freePort();
  const settings = [
    `port = ${port}`,
    `unix_socket_directories = '${base}'`,
    `restore_command = ${confQuote(cliCommand(target, 'wal-fetch %f %p'))}`,
    `archive_command = ${archiveTo ? confQuote(cliCommand(archiveTo, 'wal-push %p')) : "'/bin/true'"}`,
    "recovery_target_timeline = 'latest'",
  ];
  const { appendFile, writeFile } = await import('node:fs/promises');
  await appendFile(path.join(dataDir, 'postgresql.auto.conf'), `\n${settings.join('\n')}\n`);
  await writeFile(path.join(dataDir, 'recovery.signal'), '');
  if (isRoot()) await execa('chown', ['-R', 'postgres:', base]);
  await execa('chmod', ['700', dataDir]);
  await execa('chmod', ['755', base]);
  const { findBinary } = await import('../../../src/pgtools/binaries.js');
  const pgCtl = (await findBinary('pg_ctl')).path;
  const as = (args: string[]) => (isRoot() ? execa('runuser', ['-u', 'postgres', '--', pgCtl, ...args]) : execa(pgCtl, args));
  await as(['-D', dataDir, '-l', path.join(base, 'server.log'), '-w', '-t', '60', 'start']);
  const url = (database = 'postgres') => `postgres://${source.superuser}:${encodeURIComponent(source.password)}@127.0.0.1:${port}/${database}`;
  const pg = (await import('pg')).default;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url() });
    const inRecovery = await client
      .connect()
      .then(() => client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))
      .then((r) => r.rows[0]!.r)
      .catch(() => true)
      .finally(() => client.end().catch(() => undefined));
    if (!inRecovery) break;
    if (Date.now() > deadline) throw new Error(`restored cluster did not finish recovery; log: ${base}/server.log`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    dataDir,
    url,
    async stop() {
      await as(['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      const { rm } = await import('node:fs/promises');
      await rm(base, { recursive: true, force: true });
    },
  };
}
