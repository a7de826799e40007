/**
 * How another dbrollback process opens the very storage this one holds, with
 * the same key: the restore_command PostgreSQL runs for a point-in-time
 * restore, and wal-fetch's background prefetcher. The key itself never goes
 * on a command line (any local user can read argv, and restore_command is
 * written into postgresql.auto.conf): a key read from a file is passed as
 * `--encryption-key-file PATH`; a key or passphrase that came any other way
 * travels in the child's environment, under the variable dbrollback reads.
 */
import type { Storage } from './contract.js';
import type { EncryptionKey } from './encryption-key.js';

export interface ChildStorageAccess {
  /** Global flags that open it: `--storage URL` and, for a key file, `--encryption-key-file PATH`. */
  args: string[];
  /** Variables the child needs besides its inherited environment (a key or passphrase not held in a file). */
  env: Record<string, string>;
  /** The key file the child reads, when there is one (it must be readable by the user the child runs as). */
  keyFile: string | undefined;
}

/** Every DBROLLBACK_ENCRYPTION_* variable: a child gets exactly the one it needs, never a leftover that would conflict. */
export const ENCRYPTION_ENV = /^DBROLLBACK_ENCRYPTION_/;

const keys = new WeakMap<Storage, EncryptionKey>();

/** Record the key a storage encrypts with (encryptedStorage does, for every storage it wraps). */
export function rememberKey(storage: Storage, key: EncryptionKey): void {
  keys.set(storage, key);
}

/** The key a storage was opened with, if any. */
export function keyOf(storage: Storage): EncryptionKey | undefined {
  return keys.get(storage);
}

export function childStorageAccess(storage: Storage): ChildStorageAccess {
  const key = keys.get(storage);
  const args = ['--storage', storage.url];
  if (!key) return { args, env: {}, keyFile: undefined };
  if (key.kind === 'key' && key.file !== undefined) return { args: [...args, '--encryption-key-file', key.file], env: {}, keyFile: key.file };
  if (key.kind === 'key') return { args, env: { DBROLLBACK_ENCRYPTION_KEY: key.key.toString('hex') }, keyFile: undefined };
  return { args, env: { DBROLLBACK_ENCRYPTION_PASSPHRASE: key.passphrase }, keyFile: undefined };
}
