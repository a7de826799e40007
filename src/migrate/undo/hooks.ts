/**
 * Traffic hooks: the user's own commands that stop and resume traffic
 * (a load balancer switch, scaling workers to zero). They run through the
 * shell, with the outcome of the run in the environment; their output goes to
 * stderr so `--json` stdout stays one document. They inherit the environment
 * minus every credential (PGPASSWORD, pgpass, encryption keys, DATABASE_URL's
 * password, any variable holding a known secret).
 */
import { DbrollbackError } from '../../errors.js';
import { hookEnv } from '../../secrets/child-env.js';
import { registeredSecrets, scrub } from '../../secrets/redact.js';

export interface HookContext {
  /** DBROLLBACK_* variables for the hook: the phase, the database (no password), the backup id. */
  env: Record<string, string>;
  onOutput?: (line: string) => void;
  timeoutSeconds?: number;
}

export async function runHook(phase: 'pause-traffic' | 'resume-traffic', command: string, context: HookContext): Promise<void> {
  const output = context.onOutput ?? (() => undefined);
  // Imported here: most runs have no hooks, and execa costs ~0.1 s of start-up.
  const { execa } = await import('execa');
  const child = execa(command, {
    shell: true,
    // The parent's environment without a single credential: a hook has no business with the database password.
    env: { ...hookEnv(process.env, registeredSecrets()), ...context.env, DBROLLBACK_HOOK: phase },
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    buffer: { all: true },
    reject: false,
    timeout: (context.timeoutSeconds ?? 300) * 1000,
  });
  child.all?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') output(`[${phase}] ${line}`);
  });
  const result = await child;
  if (result.failed) {
    const how = result.timedOut ? 'timed out' : result.exitCode !== undefined ? `exited with code ${result.exitCode}` : (result.signal ?? 'failed');
    throw new DbrollbackError('HOOK_FAILED', scrub(`the --${phase} command ${how}: ${command}`), {
      hint: phase === 'pause-traffic'
        ? 'Traffic may not be paused. Nothing in the database was changed; fix the hook (or pause traffic by hand and omit --pause-traffic) and run again.'
        : 'The database is rolled back and verified, but traffic was not resumed: resume it by hand.',
    });
  }
}
