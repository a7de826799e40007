/**
 * Throwaway PostgreSQL clusters (drills, the demo, and the test harness), started with the machine's own
 * server binaries (initdb + pg_ctl) on a free loopback port with a private
 * socket directory. When we run as root (CI), initdb and postgres refuse to
 * start, so they run as the `postgres` OS user in directories it owns.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { ConnInfo } from '../db/conninfo.js';
import { connToUrl } from '../db/conninfo.js';
import { findBinary } from './binaries.js';

export interface ClusterOptions {
  /** Extra postgresql.conf settings, e.g. { archive_mode: 'on', wal_level: 'replica' }. */
  settings?: Record<string, string | number | boolean>;
  /** Superuser password (a random one by default: tests exercise password auth). */
  password?: string;
  /** Added to the server's environment (what archive_command and restore_command see). */
  env?: Record<string, string>;
  /** The loopback port to listen on (default: a free one). */
  port?: number;
}

export interface Cluster {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly baseDir: string;
  readonly superuser: string;
  readonly password: string;
  /** OS user running the server ('postgres' when tests run as root). */
  readonly osUser: string | undefined;
  /** Connection info for a database of this cluster (default: postgres). */
  conn(database?: string): ConnInfo;
  url(database?: string): string;
  /** Create an empty database (optionally from a template) and return its connection info. */
  createDatabase(name?: string, options?: { template?: string }): Promise<ConnInfo>;
  dropDatabase(name: string): Promise<void>;
  /** Run SQL as the superuser in a database. */
  sql<T extends pg.QueryResultRow = pg.QueryResultRow>(database: string, text: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

const running = new Set<{ stopSync(): void }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test file, or a demo interrupted with Ctrl-C, must not leave postgres processes behind.
  const stopAll = () => {
    for (const c of running) c.stopSync();
    running.clear();
  };
  process.once('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      // A command that stops at safe points (a drill) handles the signal itself and stops its clusters on
      // the way out; if it is signalled again it exits at once, and the exit hook above stops them.
      if (process.listenerCount(signal) > 0) return;
      stopAll();
      // Then die of the signal as if nobody had listened.
      process.kill(process.pid, signal);
    });
  }
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let counter = 0;
export function uniqueName(prefix = 'db'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  installExitHook();
  // Imported here: commands that never start a cluster should not pay ~0.1 s of start-up for it.
  const { execa } = await import('execa');
  const initdb = await findBinary('initdb');
  const pgCtl = await findBinary('pg_ctl');
  const osUser = isRoot() ? 'postgres' : undefined;
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const socketDir = path.join(baseDir, 'sock');
  const pwFile = path.join(baseDir, 'pwfile');
  const password = options.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const superuser = 'postgres';
  await execa('mkdir', ['-p', socketDir]);
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (osUser) {
    await execa('chown', ['-R', `${osUser}:`, baseDir]);
  }
  await chmod(baseDir, 0o755);
  const as = (file: string, args: string[], env?: Record<string, string>) => (osUser ? execa('runuser', ['-u', osUser, '--', file, ...args], { env }) : execa(file, args, { env }));

  await as(initdb.path, [
    '-D', dataDir,
    '-U', superuser,
    '--pwfile', pwFile,
    '--auth-local=scram-sha-256',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  await rm(pwFile, { force: true });

  const port = options.port ?? (await freePort());
  const settings: Record<string, string | number | boolean> = {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${socketDir}'`,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    shared_buffers: "'64MB'",
    max_connections: 60,
    logging_collector: 'off',
    ...options.settings,
  };
  const conf = Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n');
  const confPath = path.join(dataDir, 'postgresql.auto.conf');
  await execa('sh', ['-c', `cat >> '${confPath}'`], { input: `\n${conf}\n` });
  if (osUser) await chown(confPath, ...(await ids(osUser)));

  await as(pgCtl.path, ['-D', dataDir, '-l', path.join(baseDir, 'server.log'), '-w', '-t', '60', 'start'], options.env);

  const handle = { stopSync: () => stopAndRemoveSync(pgCtl.path, dataDir, osUser, baseDir) };
  running.add(handle);

  const conn = (database = 'postgres'): ConnInfo => ({
    host: '127.0.0.1',
    port,
    user: superuser,
    password,
    database,
    sslmode: undefined,
    applicationName: 'dbrollback',
  });

  const sql = async <T extends pg.QueryResultRow>(database: string, text: string, values?: unknown[]): Promise<T[]> => {
    const client = new pg.Client({ ...conn(database), application_name: 'dbrollback' });
    await client.connect();
    try {
      const result = await client.query<T>(text, values);
      return Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows;
    } finally {
      await client.end();
    }
  };

  return {
    port,
    host: '127.0.0.1',
    dataDir,
    socketDir,
    baseDir,
    superuser,
    password,
    osUser,
    conn,
    url: (database?: string) => connToUrl(conn(database)),
    async createDatabase(name = uniqueName(), opts = {}) {
      const template = opts.template ? ` TEMPLATE "${opts.template}"` : '';
      await sql('postgres', `CREATE DATABASE "${name}"${template}`);
      return conn(name);
    },
    async dropDatabase(name: string) {
      await sql('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    sql,
    async stop() {
      running.delete(handle);
      const args = ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'];
      await (osUser ? execa('runuser', ['-u', osUser, '--', pgCtl.path, ...args]) : execa(pgCtl.path, args)).catch(() => undefined);
      await rm(baseDir, { recursive: true, force: true });
    },
  };
}

/** The OS user a server started by dbrollback runs as: postgres when we are root (postgres refuses to run as root). */
export const serverOsUser = (): string | undefined => (isRoot() ? 'postgres' : undefined);

export interface ServerControlOptions {
  /** Run pg_ctl as this OS user (see serverOsUser). */
  osUser: string | undefined;
}

/**
 * A throwaway server started with startServer (a drill's recovered copy, table recovery's instance):
 * if the process exits before its owner stops it (a second Ctrl-C exits at once), it is stopped
 * (immediate) and `dir` removed on the way out, as the clusters above are. The owner calls the
 * returned function once it has stopped and removed it itself.
 */
export async function removeOnExit(dir: string, dataDir: string, osUser: string | undefined): Promise<() => void> {
  installExitHook();
  const pgCtl = (await findBinary('pg_ctl')).path;
  const handle = { stopSync: () => stopAndRemoveSync(pgCtl, dataDir, osUser, dir) };
  running.add(handle);
  return () => void running.delete(handle);
}

/** On the way out of the process (nothing asynchronous runs there): stop the server at once, then remove its directory. */
function stopAndRemoveSync(pgCtl: string, dataDir: string, osUser: string | undefined, dir: string): void {
  try {
    const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
    if (osUser) execFileSync('runuser', ['-u', osUser, '--', pgCtl, ...args], { stdio: 'ignore' });
    else execFileSync(pgCtl, args, { stdio: 'ignore' });
  } catch {
    /* not started, or already stopped */
  }
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

/**
 * Start a server on an existing data directory without waiting for it to
 * accept connections: a server in recovery may take long to get there, and
 * its caller follows it (log, postmaster.pid) instead.
 */
export async function startServer(dataDir: string, options: ServerControlOptions & { logFile: string; env?: Record<string, string> }): Promise<void> {
  const { execa } = await import('execa');
  const pgCtl = await findBinary('pg_ctl');
  const args = ['-D', dataDir, '-l', options.logFile, '-W', 'start'];
  // The server (and the restore_command it runs) inherits this environment: not our database credentials, and
  // of the storage's key only what the caller passes (`env`), so an unrelated DBROLLBACK_ENCRYPTION_* cannot conflict with it.
  const inherited = Object.entries(process.env).filter(([k]) => !/^(PG|DATABASE_URL$|DBROLLBACK_ENCRYPTION_)/.test(k));
  const env = { ...Object.fromEntries(inherited), ...options.env };
  const spawn = { env, extendEnv: false } as const;
  await (options.osUser ? execa('runuser', ['-u', options.osUser, '--', pgCtl.path, ...args], spawn) : execa(pgCtl.path, args, spawn));
}

/**
 * Stop a server cleanly (fast: sessions are ended, a shutdown checkpoint is written); a stopped one is left as is —
 * also one that stopped between the caller's look and pg_ctl's (a smart shutdown on the same signal that stops the
 * caller, a crash): pg_ctl then fails finding no postmaster.pid, and no postmaster.pid means no server on `dataDir`.
 */
export async function stopServer(dataDir: string, options: ServerControlOptions & { timeoutSeconds?: number }): Promise<void> {
  const { execa } = await import('execa');
  const pgCtl = await findBinary('pg_ctl');
  const args = ['-D', dataDir, '-m', 'fast', '-w', '-t', String(options.timeoutSeconds ?? 120), 'stop'];
  try {
    await (options.osUser ? execa('runuser', ['-u', options.osUser, '--', pgCtl.path, ...args]) : execa(pgCtl.path, args));
  } catch (err) {
    if (await pidFileGone(dataDir)) return;
    throw err;
  }
}

/**
 * `dataDir` is a data directory (it holds PG_VERSION) without postmaster.pid (only "no such file" counts: a
 * directory this process cannot read says nothing).
 */
async function pidFileGone(dataDir: string): Promise<boolean> {
  if (!(await stat(path.join(dataDir, 'PG_VERSION')).then(() => true, () => false))) return false;
  return stat(path.join(dataDir, 'postmaster.pid')).then(() => false, (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
}

/** The pg_ctl command line that starts the server on `dataDir` again, for people to copy. */
export async function startCommand(dataDir: string, logFile: string, osUser: string | undefined): Promise<string> {
  const pgCtl = await findBinary('pg_ctl');
  const quote = (s: string) => (/^[\w./=:@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const command = [pgCtl.path, '-D', dataDir, '-l', logFile, 'start'].map(quote).join(' ');
  return osUser ? `runuser -u ${osUser} -- ${command}` : command;
}

export const osUserIds = ids;

/** Whether `osUser` (the server's OS user) can read `file`: restore_command runs as that user. */
export async function osUserCanRead(file: string, osUser: string | undefined): Promise<boolean> {
  if (!osUser) return true;
  const { execa } = await import('execa');
  const r = await execa('runuser', ['-u', osUser, '--', 'test', '-r', file], { reject: false });
  return r.exitCode === 0;
}

async function ids(user: string): Promise<[number, number]> {
  const { execa } = await import('execa');
  const uid = Number((await execa('id', ['-u', user])).stdout);
  const gid = Number((await execa('id', ['-g', user])).stdout);
  return [uid, gid];
}
