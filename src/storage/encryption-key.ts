/**
 * Where the storage encryption key comes from: a raw 32-byte key (hex or
 * base64) in DBROLLBACK_ENCRYPTION_KEY or in a key file, or a passphrase
 * (DBROLLBACK_ENCRYPTION_PASSPHRASE) stretched with scrypt. Problems are
 * returned as lines, so configuration reports them with everything else.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { registerSecret } from '../secrets/redact.js';

export const KEY_BYTES = 32;

export type EncryptionKey =
  /** `file`: the absolute path it was read from, which a child process (restore_command) is given instead of the key. */
  | { kind: 'key'; key: Buffer; source: string; file?: string }
  | { kind: 'passphrase'; passphrase: string; source: string };

export interface EncryptionKeySources {
  /** DBROLLBACK_ENCRYPTION_KEY */
  key?: string;
  /** A key file (config `encryptionKeyFile`, else DBROLLBACK_ENCRYPTION_KEY_FILE), already resolved to a path. */
  keyFile?: { path: string; source: string };
  /** DBROLLBACK_ENCRYPTION_PASSPHRASE */
  passphrase?: string;
}

/**
 * Where a key may come from, by precedence: a key file named by a flag or the
 * config file (`keyFile`, already resolved) wins over
 * DBROLLBACK_ENCRYPTION_KEY_FILE; DBROLLBACK_ENCRYPTION_KEY and
 * DBROLLBACK_ENCRYPTION_PASSPHRASE are read as they are. Every command, and
 * the archive_command / restore_command short way in, take their sources
 * from here, so none of them can open the storage without the key.
 */
export function encryptionKeySources(env: NodeJS.ProcessEnv, keyFile?: { path: string; source: string }): EncryptionKeySources {
  const fromEnv = env.DBROLLBACK_ENCRYPTION_KEY_FILE || undefined;
  return {
    key: env.DBROLLBACK_ENCRYPTION_KEY || undefined,
    keyFile: keyFile ?? (fromEnv !== undefined ? { path: path.resolve(fromEnv), source: 'DBROLLBACK_ENCRYPTION_KEY_FILE' } : undefined),
    passphrase: env.DBROLLBACK_ENCRYPTION_PASSPHRASE || undefined,
  };
}

/** The configured key, undefined when encryption is off, or the problems that make it unusable. */
export async function loadEncryptionKey(sources: EncryptionKeySources): Promise<{ key?: EncryptionKey; problems: string[] }> {
  const given = [
    sources.key !== undefined ? 'DBROLLBACK_ENCRYPTION_KEY' : null,
    sources.keyFile !== undefined ? sources.keyFile.source : null,
    sources.passphrase !== undefined ? 'DBROLLBACK_ENCRYPTION_PASSPHRASE' : null,
  ].filter((s): s is string => s !== null);
  if (given.length === 0) return { problems: [] };
  if (given.length > 1) return { problems: [`encryption: more than one key is configured (${given.join(', ')}); set exactly one`] };

  if (sources.passphrase !== undefined) {
    registerSecret(sources.passphrase);
    if (sources.passphrase.length < 12) return { problems: ['DBROLLBACK_ENCRYPTION_PASSPHRASE: a passphrase must have at least 12 characters'] };
    return { key: { kind: 'passphrase', passphrase: sources.passphrase, source: 'DBROLLBACK_ENCRYPTION_PASSPHRASE' }, problems: [] };
  }
  if (sources.key !== undefined) {
    registerSecret(sources.key);
    const key = parseKey(sources.key);
    if (!key) return { problems: [`DBROLLBACK_ENCRYPTION_KEY: ${KEY_PROBLEM}`] };
    return { key: { kind: 'key', key, source: 'DBROLLBACK_ENCRYPTION_KEY' }, problems: [] };
  }
  const file = sources.keyFile!;
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch (err) {
    return { problems: [`${file.source}: key file ${file.path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`] };
  }
  registerSecret(text.trim());
  const key = parseKey(text);
  if (!key) return { problems: [`${file.source}: key file ${file.path}: ${KEY_PROBLEM}`] };
  return { key: { kind: 'key', key, source: `key file ${file.path}`, file: path.resolve(file.path) }, problems: [] };
}

const KEY_PROBLEM = `must hold exactly ${KEY_BYTES} bytes as 64 hex digits or base64 (make one with: openssl rand -hex 32)`;

/** 64 hex digits or base64 of exactly 32 bytes; surrounding whitespace ignored. */
export function parseKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return undefined;
}
