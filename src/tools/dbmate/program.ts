/**
 * The real `dbmate` (the npm package `dbmate`, which ships the Go binary, or
 * any on PATH): found in the project's node_modules/.bin (walking up from
 * the migrations directory, then the working directory), else on PATH.
 *
 * It is run with the database URL in its environment (DATABASE_URL, never in
 * argv), `--no-dump-schema` (dbrollback does not rewrite the project's
 * schema.sql), `--migrations-dir` and, when configured, `--migrations-table`;
 * in an empty working directory, so no `.env` file is read; and with
 * dbrollback's lock_timeout as a connection option.
 */
import path from 'node:path';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import { loadExeca } from '../../pgtools/load-execa.js';
import { isExecutable, onPath } from '../../pgtools/on-path.js';
import { toolEnv } from '../../secrets/child-env.js';
import { redact, registerSecret } from '../../secrets/redact.js';

export async function findDbmate(from: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  for (const start of from) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', '.bin', 'dbmate');
      if (await isExecutable(candidate)) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  return onPath('dbmate', env);
}

/** The URL dbmate's postgres driver (lib/pq) is given, with the password: only ever put in the child's environment. */
export function databaseUrl(conn: ConnInfo, lockTimeoutMs?: number): string {
  const auth = `${encodeURIComponent(conn.user)}${conn.password !== undefined ? `:${encodeURIComponent(conn.password)}` : ''}@`;
  const params = new URLSearchParams();
  // lib/pq's own default is sslmode=require; libpq's (and dbrollback's) is prefer.
  params.set('sslmode', conn.sslmode ?? 'prefer');
  if (conn.sslrootcert !== undefined) params.set('sslrootcert', conn.sslrootcert);
  if (conn.sslcert !== undefined) params.set('sslcert', conn.sslcert);
  if (conn.sslkey !== undefined) params.set('sslkey', conn.sslkey);
  params.set('application_name', conn.applicationName);
  if (lockTimeoutMs !== undefined) params.set('options', `-c lock_timeout=${Math.max(1, Math.floor(lockTimeoutMs))}`);
  let host = conn.host.includes(':') ? `[${conn.host}]` : conn.host;
  if (conn.host.startsWith('/')) {
    // A Unix socket directory: dbmate takes it as ?socket= (it becomes lib/pq's host).
    params.set('socket', conn.host);
    host = '';
  }
  return `postgres://${auth}${host}:${conn.port}/${encodeURIComponent(conn.database)}?${params.toString().replace(/\+/g, '%20')}`;
}

export interface DbmateRun {
  program: string;
  conn: ConnInfo;
  migrationsDir: string;
  /** An empty directory to run in (no .env there). */
  cwd: string;
  table: string | null;
  lockTimeoutMs?: number;
}

export interface DbmateOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function runDbmate(run: DbmateRun, command: 'migrate' | 'rollback' | 'status'): Promise<DbmateOutput> {
  const { execa } = await loadExeca();
  registerSecret(run.conn.password);
  const url = databaseUrl(run.conn, run.lockTimeoutMs);
  const env: Record<string, string> = { ...toolEnv(process.env), DATABASE_URL: url };
  const argv = ['--no-dump-schema', '--migrations-dir', run.migrationsDir, ...(run.table !== null ? ['--migrations-table', run.table] : []), command];
  const result = await execa(run.program, argv, { env, extendEnv: false, cwd: run.cwd, stdin: 'ignore', reject: false });
  if (result.exitCode === undefined) throw dbmateMissing(run.program);
  return {
    stdout: redact(String(result.stdout), [run.conn.password, url]),
    stderr: redact(String(result.stderr), [run.conn.password, url]),
    exitCode: result.exitCode ?? 1,
  };
}

/** dbmate's own words for a failed run: its last `Error:` line. */
export function dbmateError(output: DbmateOutput): string {
  const lines = `${output.stderr}\n${output.stdout}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.filter((l) => l.startsWith('Error:')).at(-1)?.replace(/^Error:\s*/, '') ?? lines.at(-1) ?? `exit code ${output.exitCode}`;
}

export function dbmateMissing(program: string): DbrollbackError {
  return new DbrollbackError('TOOL_NOT_FOUND', `dbmate could not be started (${program})`, {
    hint: 'Install dbmate in the project (npm install --save-dev dbmate) or put `dbmate` on PATH.',
  });
}
