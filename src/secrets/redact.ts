/**
 * Secret redaction, below every layer that may print: db, pgtools, audit, cli.
 */

/** Replace the password part of any URL (postgres://, s3://, ...) inside a string. */
export function redactUrl(text: string): string {
  // The pattern is tried at every letter: skip it on text without a URL (multi-megabyte JSON reports).
  if (!text.includes('://')) return text;
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@\s]*)@/gi, '$1:***@');
}

/**
 * Remove secrets from text that may reach a log, an error or stdout:
 * every known secret verbatim (and URL-encoded), plus any password inside a postgres URL.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = redactUrl(text);
  for (const secret of secrets) {
    if (!secret || secret.length < 1) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(form).join('***');
    }
  }
  return out;
}

const knownSecrets = new Set<string>();

/** Remember a secret so every later message, log line and error is scrubbed of it. */
export function registerSecret(secret: string | undefined): void {
  if (secret) knownSecrets.add(secret);
}

/** `redact` with every registered secret. */
export function scrub(text: string): string {
  return redact(text, [...knownSecrets]);
}

/** Every registered secret (for filtering a child's environment). */
export function registeredSecrets(): string[] {
  return [...knownSecrets];
}
