/**
 * A primary that archives through the built CLI (`archive_command = dbrollback
 * wal-push %p`), and the steps every point-in-time test repeats: write,
 * mark a target, damage, make sure the WAL is archived, restore, inspect.
 */
import { appendFile, chmod, chown, mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { execa, execaSync } from 'execa';
import pg from 'pg';
import { CLI, runBuiltCli, type CliRun } from '../../harness/cli.js';
import { freePort, isRoot, startCluster, type Cluster } from '../../harness/cluster.js';

export const osUser = isRoot() ? 'postgres' : undefined;

/** A directory the server's OS user can write (storage, data directories). */
export async function sharedDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o777);
  return dir;
}

export function shellQuote(value: string): string {
  return /^[\w./:=@+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function archiveCommand(storageUrl: string, env: Record<string, string> = {}): string {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  // A literal % is %% in archive_command (S3 URLs carry percent-encoded endpoints).
  const word = (arg: string) => shellQuote(arg).replace(/%/g, '%%');
  return [...vars.map((v) => v.replace(/%/g, '%%')), word(process.execPath), word(CLI), 'wal-push', '%p', '--storage', word(storageUrl)].join(' ');
}

export async function archivingCluster(storageUrl: string, env: Record<string, string> = {}): Promise<Cluster> {
  return startCluster({
    settings: {
      wal_level: "'replica'",
      archive_mode: "'on'",
      archive_command: `'${archiveCommand(storageUrl, env).replace(/'/g, "''")}'`,
      max_wal_senders: 4,
    },
  });
}

export async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Switch to a new segment and wait until the archiver has stored the one just finished. */
export async function archiveCurrentSegment(url: string): Promise<string> {
  const [row] = await query<{ name: string }>(url, 'SELECT pg_walfile_name(pg_switch_wal()) AS name');
  const name = row!.name;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [state] = await query<{ last: string | null; failed: string | null }>(url, 'SELECT last_archived_wal AS last, last_failed_wal AS failed FROM pg_stat_archiver');
    if (state && state.last !== null && state.last >= name) return name;
    if (Date.now() > deadline) throw new Error(`segment ${name} was not archived within 30 s (last archived ${state?.last}, last failed ${state?.failed})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The moments a test restores to: taken right after the good writes committed, before the damage. */
export interface Marks {
  time: string;
  lsn: string;
  restorePoint: string;
}

export async function markTarget(url: string, restorePoint: string): Promise<Marks> {
  const [row] = await query<{ time: string; lsn: string }>(
    url,
    `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS time, pg_create_restore_point('${restorePoint}')::text AS lsn`,
  );
  // Commit timestamps after the mark must be strictly later.
  await new Promise((r) => setTimeout(r, 20));
  return { time: row!.time, lsn: row!.lsn, restorePoint };
}

export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runBuiltCli(args, { env });
}

/** `dbrollback base-backup` of a server; returns the backup id. */
export async function baseBackup(storageUrl: string, databaseUrl: string, env: Record<string, string> = {}): Promise<string> {
  const run = await cli(['base-backup', '--storage', storageUrl, '--database-url', databaseUrl, '--json'], env);
  if (run.exitCode !== 0) throw new Error(`base-backup failed (exit ${run.exitCode}): ${run.stderr}`);
  return run.json<{ backup: { id: string } }>().backup.id;
}

export function pgCtlPath(): string {
  return execaSync('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1']).stdout.trim();
}

/** Run a command as the OS user the servers run as. */
export async function asServerUser(argv: string[]): Promise<void> {
  const [file, ...args] = argv as [string, ...string[]];
  await (osUser ? execa('runuser', ['-u', osUser, '--', file, ...args]) : execa(file, args));
}

/** Stop a recovered copy left running with --port (a stopped one is fine). */
export async function stopCopy(dataDir: string): Promise<void> {
  await asServerUser([pgCtlPath(), '-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
}

export async function chownToServer(dir: string): Promise<void> {
  if (!osUser) return;
  const uid = Number((await execa('id', ['-u', osUser])).stdout);
  const gid = Number((await execa('id', ['-g', osUser])).stdout);
  await chown(dir, uid, gid);
}

/**
 * A primary laid out as Debian's and Ubuntu's packages lay theirs out: postgresql.conf, pg_hba.conf
 * and pg_ident.conf in a configuration directory of their own (pg_ctl -D points there, and
 * data_directory points at the data), so a base backup of it holds none of them. Archives through wal-push.
 */
export async function debianStyleCluster(storageUrl: string): Promise<{ url: string; password: string; stop(): Promise<void> }> {
  const base = await sharedDir('dbrollback-debian-style-');
  const data = path.join(base, 'data');
  const etc = path.join(base, 'etc');
  await mkdir(etc);
  if (osUser) await chownToServer(etc);
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const pwFile = path.join(base, 'pwfile');
  await writeFile(pwFile, `${password}\n`, { mode: 0o644 });
  const bin = path.dirname(pgCtlPath());
  await asServerUser([path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--pwfile', pwFile, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync']);
  for (const name of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) await rename(path.join(data, name), path.join(etc, name));
  const port = await freePort();
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
  await appendFile(path.join(etc, 'postgresql.conf'), [
    '',
    `data_directory = ${q(data)}`,
    `hba_file = ${q(path.join(etc, 'pg_hba.conf'))}`,
    `ident_file = ${q(path.join(etc, 'pg_ident.conf'))}`,
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    "unix_socket_directories = ''",
    "wal_level = 'replica'",
    "archive_mode = 'on'",
    `archive_command = ${q(archiveCommand(storageUrl))}`,
    'max_wal_senders = 4',
    'fsync = off',
    '',
  ].join('\n'));
  await asServerUser([pgCtlPath(), '-D', etc, '-l', path.join(base, 'server.log'), '-w', 'start']);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    password,
    stop: () => asServerUser([pgCtlPath(), '-D', etc, '-m', 'fast', '-w', 'stop']).catch(() => undefined),
  };
}
