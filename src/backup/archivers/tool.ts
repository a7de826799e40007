/**
 * Running an archiver's own program (pgbackrest, barman-cloud-*): as the
 * server's OS user when we are root (the files it lays down, the logs and
 * locks it writes must be that user's, as when PostgreSQL runs it), with the
 * minimal environment of pg tools plus what the tool reads its settings and
 * credentials from — never in argv.
 */
import { DbrollbackError } from '../../errors.js';
import { loadExeca } from '../../pgtools/load-execa.js';
import { runTool } from '../../pgtools/run.js';
import { serverOsUser } from '../../pgtools/local-cluster.js';

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
