/**
 * A primary that archives through another tool — pgBackRest (a repository on
 * local disk: pgBackRest speaks S3 only over TLS, and s3rver serves plain
 * HTTP) or Barman Cloud (against s3rver) — with its base backup taken by
 * that tool, and the flags that point dbrollback at its archive.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { startS3Server, type S3Server } from '../../harness/s3-server.js';
import { osUser, sharedDir, shellQuote } from '../pitr/support.js';

export interface ArchivedPrimary {
  kind: 'pgbackrest' | 'barman-cloud';
  primary: Cluster;
  /** dbrollback's flags naming the archive (besides --storage and --database-url). */
  flags: string[];
  /** Environment the CLI needs to read the archive (object store credentials). */
  env: Record<string, string>;
  /** A base backup by the tool itself; returns its id. */
  backup(): Promise<string>;
  stop(): Promise<void>;
}

async function asServerUser(file: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string }> {
  const run = osUser ? execa('runuser', ['-u', osUser, '--', file, ...args], { env }) : execa(file, args, { env });
  return run;
}

const cluster = (archiveCommand: string, env: Record<string, string> = {}) =>
  startCluster({ settings: { wal_level: "'replica'", archive_mode: "'on'", archive_command: `'${archiveCommand.replace(/'/g, "''")}'`, max_wal_senders: 4 }, env });

export async function pgBackRestPrimary(): Promise<ArchivedPrimary> {
  const dir = await sharedDir('dbrollback-pgbackrest-');
  const repo = path.join(dir, 'repo');
  await mkdir(repo);
  await chmod(repo, 0o777);
  const config = path.join(dir, 'pgbackrest.conf');
  // Written before the server starts (archive_command reads it); pg1-path is the data directory the harness chose.
  await writeFile(config, '', { mode: 0o644 });
  const primary = await cluster(`pgbackrest --config=${shellQuote(config)} --stanza=main archive-push %p`);
  await writeFile(config, [
    '[global]',
    `repo1-path=${repo}`,
    `log-path=${dir}`,
    `lock-path=${dir}`,
    'log-level-file=off',
    'start-fast=y',
    'archive-timeout=30',
    '',
    '[main]',
    `pg1-path=${primary.dataDir}`,
    `pg1-port=${primary.port}`,
    `pg1-socket-path=${primary.socketDir}`,
    '',
  ].join('\n'));
  const env = { PGPASSWORD: primary.password, PGUSER: primary.superuser };
  await asServerUser('pgbackrest', [`--config=${config}`, '--stanza=main', 'stanza-create'], env);
  return {
    kind: 'pgbackrest',
    primary,
    flags: ['--archiver', 'pgbackrest', '--stanza', 'main', '--pgbackrest-config', config],
    env: {},
    async backup() {
      await asServerUser('pgbackrest', [`--config=${config}`, '--stanza=main', 'backup', '--type=full'], env);
      const { stdout } = await asServerUser('pgbackrest', [`--config=${config}`, '--stanza=main', 'info', '--output=json'], env);
      const backups = (JSON.parse(stdout) as Array<{ backup: Array<{ label: string }> }>)[0]!.backup;
      return backups.at(-1)!.label;
    },
    stop: () => primary.stop(),
  };
}

export async function barmanCloudPrimary(): Promise<ArchivedPrimary & { s3: S3Server; destination: string }> {
  const s3 = await startS3Server(['barman']);
  const destination = 's3://barman/clusters';
  const server = 'pg-main';
  // The server's archive_command reads the credentials from its environment, as CloudNativePG's instances do.
  const primary = await cluster(`barman-cloud-wal-archive --endpoint-url ${s3.endpoint} ${destination} ${server} %p`, s3.env);
  return {
    kind: 'barman-cloud',
    primary,
    s3,
    destination,
    flags: ['--archiver', 'barman-cloud', '--barman-destination', destination, '--barman-endpoint', s3.endpoint, '--barman-server-name', server],
    env: s3.env,
    async backup() {
      const env = { ...s3.env, PGPASSWORD: primary.password };
      await asServerUser('barman-cloud-backup', ['--endpoint-url', s3.endpoint, '-h', '127.0.0.1', '-p', String(primary.port), '-U', primary.superuser, '--immediate-checkpoint', destination, server], env);
      const { stdout } = await asServerUser('barman-cloud-backup-list', ['--endpoint-url', s3.endpoint, '--format', 'json', destination, server], env);
      return (JSON.parse(stdout) as { backups_list: Array<{ backup_id: string }> }).backups_list.at(-1)!.backup_id;
    },
    async stop() {
      await primary.stop();
      await s3.stop();
    },
  };
}
