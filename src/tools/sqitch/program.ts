/**
 * The real `sqitch` (Debian's package, or any on PATH), run in the
 * project's directory against a target URI built from the connection
 * without its password (`db:pg://user@host:port/db`): the password travels
 * in SQITCH_PASSWORD (Sqitch hands it to psql as PGPASSWORD), and
 * PGOPTIONS carries dbrollback's lock_timeout to both Sqitch's own
 * connection and the psql that runs the scripts. The user's Sqitch settings
 * (~/.sqitch, SQITCH_CONFIG, SQITCH_FULLNAME, SQITCH_EMAIL, …) pass through;
 * SQITCH_TARGET does not: the target is always the configured database.
 */
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import { loadExeca } from '../../pgtools/load-execa.js';
import { onPath } from '../../pgtools/on-path.js';
import { toolEnv } from '../../secrets/child-env.js';
import { redact, registerSecret } from '../../secrets/redact.js';

export function findSqitch(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return onPath('sqitch', env);
}

export function sqitchMissing(): DbrollbackError {
  return new DbrollbackError('TOOL_NOT_FOUND', 'sqitch was not found on PATH: dbrollback deploys, reverts and verifies Sqitch changes through Sqitch itself', {
    hint: 'Install Sqitch with its PostgreSQL driver (Debian/Ubuntu: apt-get install -y sqitch libdbd-pg-perl), or put `sqitch` on PATH.',
  });
}

/** The target URI, without the password. */
export function targetUri(conn: ConnInfo): string {
  const host = conn.host.startsWith('/') ? encodeURIComponent(conn.host) : conn.host.includes(':') ? `[${conn.host}]` : conn.host;
  const query = conn.sslmode ? `?sslmode=${encodeURIComponent(conn.sslmode)}` : '';
  return `db:pg://${encodeURIComponent(conn.user)}@${host}:${conn.port}/${encodeURIComponent(conn.database)}${query}`;
}

export interface SqitchRun {
  program: string;
  conn: ConnInfo;
  dir: string;
  lockTimeoutMs?: number;
  /** The registry schema, when the settings name one (migrationsSchema) over sqitch.conf's. */
  registry?: string;
}

export interface SqitchOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Run a sqitch command on the target; `allowFailure` returns a non-zero exit instead of throwing (verify reports it). */
export async function runSqitch(run: SqitchRun, command: string, args: readonly string[], options: { allowFailure?: boolean } = {}): Promise<SqitchOutput> {
  const { execa } = await loadExeca();
  registerSecret(run.conn.password);
  const env: Record<string, string> = { ...toolEnv(process.env), ...sqitchSettings(process.env), PGAPPNAME: run.conn.applicationName };
  if (run.conn.password !== undefined) env.SQITCH_PASSWORD = run.conn.password;
  if (run.lockTimeoutMs !== undefined) env.PGOPTIONS = `${env.PGOPTIONS ? `${env.PGOPTIONS} ` : ''}-c lock_timeout=${Math.max(1, Math.floor(run.lockTimeoutMs))}`;
  const argv = [command, ...(run.registry !== undefined ? ['--registry', run.registry] : []), ...args, targetUri(run.conn)];
  // reject: false — a failed run is read from its exit code; one that never started has none.
  const result = await execa(run.program, argv, { env, extendEnv: false, cwd: run.dir, stdin: 'ignore', reject: false });
  if (result.exitCode === undefined) throw sqitchMissing();
  const output: SqitchOutput = { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? 1 };
  if (output.exitCode !== 0 && !options.allowFailure) {
    const text = redact(`${output.stderr}\n${output.stdout}`.trim(), [run.conn.password]);
    const reason = text.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-3).join(' | ');
    throw new DbrollbackError('TOOL_FAILED', `sqitch ${command} failed (exit code ${output.exitCode}): ${reason}`, {
      hint: `Read Sqitch's message above (sqitch at ${run.program}).`,
      cause: new Error(text),
      details: { command, exitCode: output.exitCode },
    });
  }
  return output;
}

/** The user's Sqitch settings, minus what dbrollback sets itself (the target and its password). */
function sqitchSettings(parent: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && /^SQITCH_/.test(name) && name !== 'SQITCH_PASSWORD' && name !== 'SQITCH_TARGET') out[name] = value;
  }
  return out;
}
