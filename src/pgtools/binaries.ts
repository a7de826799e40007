import { execFile } from 'node:child_process';
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../errors.js';
import { loadExeca } from './load-execa.js';
import { isExecutable } from './on-path.js';

export type PgBinaryName = 'pg_dump' | 'pg_restore' | 'pg_basebackup' | 'psql' | 'initdb' | 'pg_ctl' | 'pg_config' | 'postgres' | 'pg_controldata' | 'pg_waldump';

export interface PgBinary {
  name: PgBinaryName;
  path: string;
  /** e.g. "15.19" */
  version: string;
  major: number;
}

export interface FindBinaryOptions {
  /** Refuse a binary whose major version is lower than this (the server's major). */
  minMajor?: number;
  /** Explicit directory; when set (or DBROLLBACK_PG_BINDIR is), only it is searched. */
  binDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Also load execa, which startTool and runTool need and rely on this to have loaded (default
   * true). false where the program is started with spawnTool (a backup's pg_dump): loading execa
   * costs ~20 ms of CPU the run would not otherwise spend.
   */
  withExeca?: boolean;
}

const cache = new Map<string, Promise<PgBinary[]>>();

/**
 * Find a PostgreSQL program. Candidates: $DBROLLBACK_PG_BINDIR alone if set;
 * otherwise PATH, `pg_config --bindir`, /usr/lib/postgresql/<major>/bin — the
 * newest version wins, so a server-side upgrade never pairs with an old client.
 */
export async function findBinary(name: PgBinaryName, options: FindBinaryOptions = {}): Promise<PgBinary> {
  // Loaded here, not at start-up: startTool (which cannot wait) relies on it once a binary is found.
  // It loads while the candidates are probed (the probes run through child_process, not execa).
  const execaLoaded = options.withExeca === false ? undefined : loadExeca();
  const env = options.env ?? process.env;
  const explicitDir = options.binDir ?? env.DBROLLBACK_PG_BINDIR;
  const key = `${name}\0${explicitDir ?? ''}\0${env.PATH ?? ''}`;
  let found = cache.get(key);
  if (!found) {
    found = candidates(name, explicitDir, env);
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  const [all] = await Promise.all([found, execaLoaded]);
  const best = all[0];
  if (!best) {
    const where = explicitDir ? `in ${explicitDir}` : 'on PATH, via pg_config --bindir, or in /usr/lib/postgresql/*/bin';
    throw new DbrollbackError('TOOL_NOT_FOUND', `${name} was not found ${where}`, {
      hint: 'Install the PostgreSQL client programs (Debian/Ubuntu: apt-get install postgresql-client) or set DBROLLBACK_PG_BINDIR to the directory holding them.',
    });
  }
  if (options.minMajor !== undefined && best.major < options.minMajor) {
    throw new DbrollbackError(
      'TOOL_TOO_OLD',
      `${name} ${best.version} (${best.path}) is older than the server (PostgreSQL ${options.minMajor}); ${name} must be at least the server's major version`,
      {
        hint: `Install PostgreSQL ${options.minMajor} (or newer) client programs, or point DBROLLBACK_PG_BINDIR at them.`,
        details: { binary: best.path, clientVersion: best.version, serverMajor: options.minMajor },
      },
    );
  }
  return best;
}

async function candidates(name: PgBinaryName, explicitDir: string | undefined, env: NodeJS.ProcessEnv): Promise<PgBinary[]> {
  if (explicitDir) return probe(name, [explicitDir], { skipWrappers: false });
  // pg_config (itself a Perl wrapper on Debian) runs while the usual places are probed.
  const bindir = pgConfigBindir(env);
  const usual = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), ...(await versionedDirs('/usr/lib/postgresql'))];
  // Debian's /usr/bin/pg_dump is postgresql-common's Perl wrapper: its every start (--version too) costs
  // a Perl interpreter (0.05–0.5 s) and it runs the same binary found under /usr/lib/postgresql. Used only
  // when no real binary is found.
  const [direct, pgConfigDir] = await Promise.all([probe(name, usual, { skipWrappers: true }), bindir]);
  const extra = pgConfigDir && !usual.includes(pgConfigDir) ? await probe(name, [pgConfigDir], { skipWrappers: true }) : [];
  const found = [...direct, ...extra].sort((x, y) => compareVersions(y.version, x.version));
  if (found.length > 0) return found;
  return probe(name, [...usual, ...(pgConfigDir ? [pgConfigDir] : [])], { skipWrappers: false });
}

/** Every executable `name` in `dirs` with its version, newest first; ties keep search order (PATH before the fallbacks). */
async function probe(name: PgBinaryName, dirs: readonly string[], options: { skipWrappers: boolean }): Promise<PgBinary[]> {
  const files = [...new Set(dirs.map((dir) => path.join(dir, name)))];
  const probed = await Promise.all(
    files.map(async (file, i) => {
      if (!(await isExecutable(file))) return null;
      if (options.skipWrappers && (await isWrapper(file, name))) return null;
      const version = await versionOf(file);
      return version ? { b: { name, path: file, ...version } as PgBinary, i } : null;
    }),
  );
  return probed
    .filter((x): x is { b: PgBinary; i: number } => x !== null)
    .sort((x, y) => compareVersions(y.b.version, x.b.version) || x.i - y.i)
    .map(({ b }) => b);
}

/** A link to a program of another name (postgresql-common's pg_wrapper), not the tool itself. */
async function isWrapper(file: string, name: string): Promise<boolean> {
  try {
    return path.basename(await realpath(file)) !== name;
  } catch {
    return false;
  }
}

async function pgConfigBindir(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const stdout = await outputOf('pg_config', ['--bindir'], { ...process.env, ...env });
  return stdout?.trim() || undefined;
}

/**
 * A short probe's stdout, or undefined when it cannot run, fails or takes over 5 s. Through
 * child_process rather than execa: a backup runs two of these before pg_dump, and execa's
 * per-call work is about twice the spawn's own (~2.7 vs ~1.3 ms of CPU each).
 */
export function outputOf(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 5000, encoding: 'utf8' }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

async function versionedDirs(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root);
    return entries
      .filter((e) => /^\d+(\.\d+)?$/.test(e))
      .sort((a, b) => compareVersions(b, a))
      .map((e) => path.join(root, e, 'bin'));
  } catch {
    return [];
  }
}

/** Parse "pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)" → 15.19 / 15. */
export function parseToolVersion(output: string): { version: string; major: number } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const major = Number(m[1]);
  // Before 10 the major was two numbers (9.6).
  const version = [m[1], m[2], m[3]].filter((p) => p !== undefined).join('.');
  return { version, major: major < 10 && m[2] !== undefined ? major + Number(m[2]) / 10 : major };
}

async function versionOf(file: string): Promise<{ version: string; major: number } | undefined> {
  const stdout = await outputOf(file, ['--version']);
  return stdout === undefined ? undefined : parseToolVersion(stdout);
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
