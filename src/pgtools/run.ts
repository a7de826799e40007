import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ResultPromise, Options } from 'execa';
import type { ConnInfo } from '../db/conninfo.js';
import { DbrollbackError } from '../errors.js';
import type { PgBinary } from './binaries.js';
import { loadExeca, loadedExeca } from './load-execa.js';
import { toolEnv } from '../secrets/child-env.js';
import { redact, registerSecret } from '../secrets/redact.js';

/**
 * libpq environment for a child: credentials travel here, never in argv
 * (argv is world-readable through /proc and `ps`).
 */
export function libpqEnv(conn: ConnInfo): Record<string, string> {
  registerSecret(conn.password);
  const env: Record<string, string> = {
    PGHOST: conn.host,
    PGPORT: String(conn.port),
    PGUSER: conn.user,
    PGDATABASE: conn.database,
    PGAPPNAME: conn.applicationName,
  };
  if (conn.password !== undefined) env.PGPASSWORD = conn.password;
  // The same TLS settings as dbrollback's own connections: libpq gives them the same meanings.
  if (conn.sslmode) env.PGSSLMODE = conn.sslmode;
  if (conn.sslrootcert) env.PGSSLROOTCERT = conn.sslrootcert;
  if (conn.sslcert) env.PGSSLCERT = conn.sslcert;
  if (conn.sslkey) env.PGSSLKEY = conn.sslkey;
  return env;
}

export interface RunToolOptions extends Pick<Options, 'cwd' | 'timeout' | 'cancelSignal'> {
  conn?: ConnInfo;
  env?: Record<string, string>;
  /** Stream or file the child's stdout goes to ('pipe' to read it from the result). */
  stdout?: Options['stdout'];
  stdin?: Options['stdin'];
  /** Run as this OS user (e.g. postgres for initdb when we are root). */
  asUser?: string;
  /** Start the program through this command line, which runs it (e.g. `stdbuf -o 1M`: output-buffer.ts) by exec, so a kill reaches it. */
  via?: readonly string[] | null;
}

/**
 * Start a PostgreSQL program; the returned promise rejects with a redacted DbrollbackError.
 * execa must be loaded: findBinary() (how every caller picks its binary) or loadExeca() does it.
 */
export function startTool(binary: PgBinary | string, args: readonly string[], options: RunToolOptions = {}): ResultPromise {
  const { cmd, argv, env } = toolCommand(binary, args, options);
  const { execa } = loadedExeca();
  return execa(cmd, argv, {
    env,
    extendEnv: false,
    stdout: options.stdout ?? 'pipe',
    stderr: 'pipe',
    stdin: options.stdin ?? 'ignore',
    cwd: options.cwd,
    timeout: options.timeout,
    cancelSignal: options.cancelSignal,
    buffer: { stdout: options.stdout === undefined || options.stdout === 'pipe', stderr: true },
    reject: true,
  } as Options) as unknown as ResultPromise;
}

/** The command line and the environment a PostgreSQL program is started with (no secret in argv: refused). */
function toolCommand(binary: PgBinary | string, args: readonly string[], options: Pick<RunToolOptions, 'conn' | 'env' | 'asUser' | 'via'>): { cmd: string; argv: string[]; env: Record<string, string> } {
  const file = typeof binary === 'string' ? binary : binary.path;
  assertNoSecretInArgs(args, options.conn);
  // A minimal environment: a pg tool needs its connection, PATH, home, locale and time zone, nothing else of ours.
  const env = { ...toolEnv(process.env), ...(options.conn ? libpqEnv(options.conn) : {}), ...(options.env ?? {}) };
  const line = [...(options.via ?? []), file, ...args];
  if (options.asUser) line.unshift('runuser', '-u', options.asUser, '--');
  return { cmd: line[0]!, argv: line.slice(1), env };
}

/** A program started by `spawnTool`: its output as a stream, and how it ended. */
export interface SpawnedTool {
  readonly stdout: Readable;
  /**
   * Settles once the program has exited and its output streams have closed: fulfilled on exit
   * code 0, else rejected with what `toolError` reads (stderr, exitCode or signal, message),
   * as startTool's promise is.
   */
  readonly exited: Promise<void>;
  kill(): void;
}

/**
 * Start a PostgreSQL program whose stdout is consumed as a stream, with node's child_process
 * instead of execa: the same command line, environment and outcome as `startTool`, without
 * loading execa (~20 ms of CPU at start-up, more than the spawn itself) — what a backup pays
 * for the one program it runs. stderr is kept (pg_dump writes little there) for the error.
 */
export function spawnTool(binary: PgBinary | string, args: readonly string[], options: Pick<RunToolOptions, 'conn' | 'env' | 'via'> = {}): SpawnedTool {
  const { cmd, argv, env } = toolCommand(binary, args, options);
  const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<void>((resolve, reject) => {
    let failedToStart: Error | undefined;
    child.on('error', (err) => {
      failedToStart = err;
    });
    child.on('close', (exitCode, signal) => {
      if (exitCode === 0 && failedToStart === undefined) return resolve();
      const text = Buffer.concat(stderr).toString('utf8');
      const how = failedToStart ? failedToStart.message : exitCode !== null ? `exit code ${exitCode}` : `signal ${signal}`;
      reject(
        Object.assign(new Error(`Command failed with ${how}: ${cmd} ${argv.join(' ')}${text ? `\n\n${text}` : ''}`), {
          stderr: text,
          ...(failedToStart ? { shortMessage: `Command failed: ${failedToStart.message}` } : exitCode !== null ? { exitCode } : { signal: signal ?? undefined }),
        }),
      );
    });
  });
  // As execa does: the program does not outlive this process, and one that ignores SIGTERM gets SIGKILL 5 s later.
  const onExit = () => void child.kill('SIGTERM');
  process.once('exit', onExit);
  void exited.then(
    () => process.off('exit', onExit),
    () => process.off('exit', onExit),
  );
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 5000).unref();
  };
  return { stdout: child.stdout, exited, kill };
}

/** Run to completion; failures become TOOL_FAILED with the child's stderr, secrets removed. */
export async function runTool(binary: PgBinary | string, args: readonly string[], options: RunToolOptions = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    await loadExeca();
    const result = await startTool(binary, args, options);
    return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  } catch (cause) {
    if (cause instanceof DbrollbackError) throw cause;
    throw toolError(binary, args, cause, options.conn);
  }
}

export function toolError(binary: PgBinary | string, args: readonly string[], cause: unknown, conn?: ConnInfo): DbrollbackError {
  const name = typeof binary === 'string' ? binary : binary.name;
  const c = cause as { stderr?: unknown; exitCode?: number; signal?: string; shortMessage?: string; message?: string };
  const stderr = typeof c.stderr === 'string' ? c.stderr.trim() : '';
  const how = c.exitCode !== undefined ? `exit code ${c.exitCode}` : c.signal ? `signal ${c.signal}` : (c.shortMessage ?? c.message ?? 'unknown failure');
  const secrets = [conn?.password];
  const message = redact(`${name} failed (${how})${stderr ? `: ${lastLines(stderr, 5)}` : ''}`, secrets);
  const safeCause = new Error(redact(`${name} ${args.join(' ')}: ${c.message ?? String(cause)}`, secrets));
  return new DbrollbackError('TOOL_FAILED', message, {
    hint: `Read ${name}'s message above; rerun with --verbose for the full command (without secrets).`,
    cause: safeCause,
  });
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

function assertNoSecretInArgs(args: readonly string[], conn?: ConnInfo): void {
  if (!conn?.password) return;
  if (args.some((a) => a.includes(conn.password!))) {
    // A programming error: a password would be visible in `ps`. Refuse before spawning.
    throw new DbrollbackError('INTERNAL', 'refusing to pass a password in a child process argument list', {
      hint: 'This is a dbrollback bug; please report it.',
    });
  }
}
