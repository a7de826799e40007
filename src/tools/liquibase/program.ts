/**
 * The real Liquibase, as the project installed it: `liquibase` on PATH,
 * else the npm package's distribution (`node_modules/liquibase/dist/liquibase/liquibase`)
 * in the migrations directory or a folder above it, or in the working
 * directory's. It needs a Java runtime (its script finds `java` through
 * JAVA_HOME or PATH).
 *
 * The connection goes in the child's environment (LIQUIBASE_COMMAND_URL /
 * _USERNAME / _PASSWORD): never the password in argv. The JDBC URL carries
 * `options=-c lock_timeout=…` so Liquibase's statements wait for locks only
 * as long as dbrollback's own. Each call is a JVM start (seconds): the
 * adapter keeps their number small; the JIT is kept to its first tier
 * (about half the start-up for these short runs) unless JAVA_OPTS says otherwise.
 */
import path from 'node:path';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import { loadExeca } from '../../pgtools/load-execa.js';
import { isExecutable, onPath } from '../../pgtools/on-path.js';
import { toolEnv } from '../../secrets/child-env.js';
import { redact, registerSecret } from '../../secrets/redact.js';
import type { ChangeLogTable } from './history.js';

export interface LiquibaseProgram {
  /** The launcher script. */
  path: string;
  /** Where it was found, for messages: "PATH", "node_modules of /srv/app". */
  foundIn: string;
}

const NPM_DIST = path.join('node_modules', 'liquibase', 'dist', 'liquibase', 'liquibase');

export async function findLiquibase(migrationsDir: string, env: NodeJS.ProcessEnv = process.env): Promise<LiquibaseProgram | null> {
  const onPathFile = await onPath('liquibase', env);
  if (onPathFile !== null) return { path: onPathFile, foundIn: 'PATH' };
  for (const start of [path.resolve(migrationsDir), process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, NPM_DIST);
      if (await isExecutable(candidate)) return { path: candidate, foundIn: `node_modules of ${dir}` };
      if (path.dirname(dir) === dir) break;
    }
  }
  return null;
}

export function liquibaseMissing(why: string): DbrollbackError {
  return new DbrollbackError('TOOL_NOT_FOUND', `${why}, and no Liquibase installation was found (looked for liquibase on PATH and for the npm package liquibase in node_modules beside the migrations or the working directory)`, {
    hint: 'Install Liquibase (npm install --save-dev liquibase, which bundles it; it needs Java: apt-get install -y default-jre-headless), or put its `liquibase` launcher on PATH.',
  });
}

export interface LiquibaseRun {
  program: LiquibaseProgram;
  conn: ConnInfo;
  dir: string;
  changelog: string;
  table: ChangeLogTable;
  lockTimeoutMs?: number;
}

/** Run one Liquibase command; a failure is TOOL_FAILED with Liquibase's own error lines, secrets removed. */
export async function runLiquibase(run: LiquibaseRun, command: string, args: readonly string[] = []): Promise<{ stdout: string; stderr: string }> {
  const result = await tryLiquibase(run, command, args);
  if (result.failure) throw result.failure;
  return result;
}

/**
 * Run one Liquibase command and keep what it printed whether or not it
 * failed (a `future-rollback-sql` that stops at a changeset it cannot roll
 * back has printed the rollbacks of the newer ones, and named that one).
 */
export async function tryLiquibase(run: LiquibaseRun, command: string, args: readonly string[] = []): Promise<{ stdout: string; stderr: string; failure: DbrollbackError | null }> {
  const { execa } = await loadExeca();
  registerSecret(run.conn.password);
  const argv = [
    '--show-banner=false',
    `--search-path=${run.dir}`,
    `--changelog-file=${run.changelog}`,
    `--database-changelog-table-name=${run.table.table}`,
    `--database-changelog-lock-table-name=${run.table.table}lock`,
    `--liquibase-schema-name=${run.table.schema}`,
    command,
    ...args,
  ];
  const env: Record<string, string> = {
    ...toolEnv(process.env),
    ...passthrough(process.env),
    LIQUIBASE_COMMAND_URL: jdbcUrl(run.conn, run.lockTimeoutMs),
    LIQUIBASE_COMMAND_USERNAME: run.conn.user,
    JAVA_OPTS: process.env.JAVA_OPTS ?? '-XX:TieredStopAtLevel=1',
  };
  if (run.conn.password !== undefined) env.LIQUIBASE_COMMAND_PASSWORD = run.conn.password;
  try {
    const result = await execa(run.program.path, argv, { env, extendEnv: false, cwd: run.dir, stdin: 'ignore', reject: true });
    return { stdout: String(result.stdout), stderr: String(result.stderr), failure: null };
  } catch (cause) {
    const c = cause as { stdout?: unknown; stderr?: unknown; exitCode?: number; code?: string; message?: string };
    if (c.code === 'ENOENT' || c.code === 'EACCES') throw liquibaseMissing(`cannot start ${run.program.path}: ${c.code}`);
    const [stdout, stderr] = [typeof c.stdout === 'string' ? c.stdout : '', typeof c.stderr === 'string' ? c.stderr : ''];
    const output = `${stderr}\n${stdout}`;
    const reason = liquibaseReason(output) ?? `exit code ${c.exitCode ?? '?'}`;
    const failure = new DbrollbackError('TOOL_FAILED', redact(`liquibase ${command} failed: ${reason}`, [run.conn.password]), {
      hint: /java/i.test(output) && /not find|no such/i.test(output) ? 'Liquibase needs Java: apt-get install -y default-jre-headless (or set JAVA_HOME).' : `Read Liquibase's message above (Liquibase at ${run.program.path}, found in ${run.program.foundIn}).`,
      cause: new Error(redact(output.trim().split('\n').slice(-20).join('\n'), [run.conn.password])),
      details: { command, program: run.program.path },
    });
    return { stdout, stderr, failure };
  }
}

/** Liquibase's own one-line reason, from its "Unexpected error running Liquibase: …" or "ERROR: Exception Primary Reason: …" lines. */
export function liquibaseReason(output: string): string | null {
  const lines = output.split('\n').map((l) => l.trim());
  const primary = lines.find((l) => l.startsWith('ERROR: Exception Primary Reason:'));
  if (primary) return primary.replace('ERROR: Exception Primary Reason:', '').trim();
  const unexpected = lines.find((l) => l.startsWith('Unexpected error running Liquibase:'));
  if (unexpected) return unexpected.replace('Unexpected error running Liquibase:', '').trim();
  return lines.filter((l) => l !== '').at(-1) ?? null;
}

/** The JDBC URL, without the password (it travels in LIQUIBASE_COMMAND_PASSWORD). */
export function jdbcUrl(conn: ConnInfo, lockTimeoutMs?: number): string {
  const host = conn.host.startsWith('/') ? 'localhost' : conn.host.includes(':') ? `[${conn.host}]` : conn.host;
  const params = new URLSearchParams();
  if (conn.sslmode) params.set('sslmode', conn.sslmode);
  params.set('ApplicationName', conn.applicationName);
  if (lockTimeoutMs !== undefined) params.set('options', `-c lock_timeout=${Math.max(1, Math.floor(lockTimeoutMs))}`);
  return `jdbc:postgresql://${host}:${conn.port}/${encodeURIComponent(conn.database)}?${params.toString().replace(/\+/g, '%20')}`;
}

/** What Liquibase's launcher reads besides the tool environment: where Java is, and the user's JVM options. */
function passthrough(parent: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['JAVA_HOME', 'LIQUIBASE_HOME']) if (parent[name]) out[name] = parent[name]!;
  return out;
}

