/**
 * What a child process may inherit. pg tools get a minimal environment (the
 * credentials come separately, through libpqEnv or a pgpass file); the
 * user's hooks get the parent's environment minus every secret dbrollback
 * knows of, so a hook script cannot leak the database password.
 */
import { redactUrl } from './redact.js';

/** Variables a pg tool needs besides its connection: the program search path, home (for ~/.pgpass), locale, time zone, temp dir. */
const TOOL_PASSTHROUGH = /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TMPDIR|PG(?!PASSWORD$)[A-Z_]+)$/;

export function toolEnv(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) if (value !== undefined && TOOL_PASSTHROUGH.test(name)) env[name] = value;
  return env;
}

/** Whether a value carries a secret: as a substring, or (for a very short secret, which would match half the environment) as the whole value. */
function holds(value: string, secret: string): boolean {
  if (secret.length < 6) return value === secret || value === encodeURIComponent(secret);
  return value.includes(secret) || value.includes(encodeURIComponent(secret));
}

/** Never handed to a hook: credentials, and dbrollback's own keys. */
const HOOK_SECRETS = new Set(['PGPASSWORD', 'PGPASSFILE', 'DBROLLBACK_ENCRYPTION_KEY', 'DBROLLBACK_ENCRYPTION_KEY_FILE', 'DBROLLBACK_ENCRYPTION_PASSPHRASE']);

/**
 * The parent's environment for a user hook: without PGPASSWORD, pgpass or
 * encryption keys, DATABASE_URL without its password, and without any
 * variable whose value holds a known secret.
 */
export function hookEnv(parent: NodeJS.ProcessEnv, secrets: ReadonlyArray<string | undefined>): Record<string, string> {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s !== '');
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined || HOOK_SECRETS.has(name)) continue;
    const safe = name === 'DATABASE_URL' ? redactUrl(value).replace(/:\*\*\*@/, '@') : value;
    if (known.some((s) => holds(safe, s))) continue;
    env[name] = safe;
  }
  return env;
}
