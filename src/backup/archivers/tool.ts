/**
 * Running an archiver's own program (pgbackrest, barman-cloud-*): as the
 * server's OS user when we are root (the files it lays down, the logs and
 * locks it writes must be that user's, as when PostgreSQL runs it), with the
 * minimal environment of pg tools plus what the tool reads its settings and
 * credentials from — never in argv.
 */
import { chmod, chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { loadExeca } from '../../pgtools/load-execa.js';
import { runTool } from '../../pgtools/run.js';
import { osUserIds, serverOsUser } from '../../pgtools/local-cluster.js';

/** The part of our environment an archiver's program reads its settings and credentials from. */
export function archiverEnv(pattern: RegExp, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) if (value !== undefined && pattern.test(name)) env[name] = value;
  return env;
}

/** Fail before anything is written when the program is not installed. */
export async function requireProgram(program: string, install: string): Promise<void> {
  const { execa } = await loadExeca();
  const found = await execa('sh', ['-c', `command -v ${program}`], { reject: false });
  if (found.exitCode !== 0) {
    throw new DbrollbackError('TOOL_NOT_FOUND', `${program} is not installed (not on PATH)`, { hint: `Install it (e.g. ${install}), or choose another --archiver. Nothing was written.` });
  }
}

export async function runArchiverTool(program: string, args: readonly string[], env: Record<string, string>, signal?: AbortSignal): Promise<{ stdout: string; stderr: string }> {
  const osUser = serverOsUser();
  return runTool(program, args, { env, ...(osUser ? { asUser: osUser } : {}), ...(signal ? { cancelSignal: signal } : {}) });
}

/** DIR (absent or empty) made the server's OS user's, 0700 as PostgreSQL insists, before the tool writes into it. */
export async function prepareDataDir(dataDir: string, osUser: string | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  if (osUser) await chown(dataDir, ...(await osUserIds(osUser)));
}

/** After the tool: 0700 again, and the WAL directories a base backup may leave out. */
export async function finishDataDir(dataDir: string, osUser: string | undefined): Promise<void> {
  await chmod(dataDir, 0o700);
  const ids = osUser ? await osUserIds(osUser) : undefined;
  for (const sub of ['pg_wal', 'pg_wal/archive_status']) {
    const dir = path.join(dataDir, sub);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (ids) await chown(dir, ...ids);
  }
}
