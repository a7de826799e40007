/** Run the built CLI (dist/cli/main.js) as a user would: a child process, no terminal. */
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { givenFlags } from '../../src/cli/given-flags.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');

/** A clean environment: nothing from the developer shell (DATABASE_URL, PG..., DBROLLBACK_..., AWS_..., Flyway's FLYWAY_.../flyway_...) leaks in. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(PG|DATABASE_URL|DBROLLBACK_|AWS_|FLYWAY_|flyway_)/.test(k)) env[k] = v;
  }
  return env;
}

/**
 * How a command dbrollback suggests begins in a run given `args` (its global flags repeated, the password left
 * out: src/cli/given-flags.ts): `dbrollback --database-url postgres://app@… --storage file:///…`.
 */
export function suggested(args: readonly string[]): string {
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length - 1; i++) {
    const flag = /^--([a-z][a-z-]*)$/.exec(args[i]!);
    if (flag && !args[i + 1]!.startsWith('--')) options[flag[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = args[i + 1]!;
  }
  return ['dbrollback', ...givenFlags(options)].join(' ');
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws if it is not exactly one JSON document). */
  json<T = Record<string, unknown>>(): T;
}

/** `timeoutMs`: default 120 s; a run that starts several JVMs (Liquibase) on a loaded machine may need more. */
export async function runBuiltCli(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const env = cleanEnv();
  const result = await execa(process.execPath, [CLI, ...args], {
    env: { ...env, ...options.env },
    extendEnv: false,
    cwd: options.cwd ?? PROJECT_ROOT,
    reject: false,
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 120_000,
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    json<T>() {
      return JSON.parse(result.stdout) as T;
    },
  };
}

/** The built CLI started with DBROLLBACK_PAUSE_AT=<point>, resolved once it says it paused there (or ended first). */
async function startPaused(args: string[], point: string, env: Record<string, string>) {
  const child = execa(process.execPath, [CLI, ...args], {
    env: { ...cleanEnv(), ...env, DBROLLBACK_PAUSE_AT: point },
    extendEnv: false,
    cwd: PROJECT_ROOT,
    reject: false,
    input: '',
    timeout: 120_000,
  });
  let stderr = '';
  const paused = await new Promise<boolean>((resolve) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(`paused at ${point}`)) resolve(true);
    });
    void child.then(() => resolve(false));
  });
  return { child, paused };
}

function cliRun(result: { exitCode?: number; signal?: string; stdout: unknown; stderr: unknown }, paused: boolean): CliRun & { paused: boolean } {
  return {
    paused,
    exitCode: result.exitCode ?? (result.signal === 'SIGKILL' ? 137 : -1),
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    json<T>() {
      return JSON.parse(String(result.stdout)) as T;
    },
  };
}

/**
 * Run the built CLI with DBROLLBACK_PAUSE_AT=<point>, wait until it says it paused there, then send
 * `signal` (SIGTERM: it stops at its next safe point; SIGKILL: it dies on the spot) and wait for it.
 */
export async function interruptBuiltCli(
  args: string[],
  point: string,
  signal: 'SIGTERM' | 'SIGINT' | 'SIGKILL' | ReadonlyArray<'SIGTERM' | 'SIGINT'>,
  options: { env?: Record<string, string> } = {},
): Promise<CliRun & { paused: boolean }> {
  const { child, paused } = await startPaused(args, point, options.env ?? {});
  if (paused) {
    // Several signals: sent one after another, as a person pressing Ctrl-C twice.
    for (const [i, s] of (typeof signal === 'string' ? [signal] : signal).entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      child.kill(s);
    }
  }
  return cliRun(await child, paused);
}

/** Run the built CLI paused at `point`, break something while it waits (`meanwhile`), then let it go on and wait for it. */
export async function faultBuiltCli(args: string[], point: string, meanwhile: () => Promise<void>, options: { env?: Record<string, string> } = {}): Promise<CliRun & { paused: boolean }> {
  const resumeFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'dbrollback-resume-')), 'go');
  const { child, paused } = await startPaused(args, point, { ...options.env, DBROLLBACK_PAUSE_RESUME_FILE: resumeFile });
  if (paused) {
    await meanwhile();
    await writeFile(resumeFile, '');
  }
  return cliRun(await child, paused);
}
