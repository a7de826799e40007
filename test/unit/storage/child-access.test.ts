/** How the key reaches a child dbrollback (restore_command, the prefetcher): a key file by its path, a key or passphrase through the environment, never argv. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childStorageAccess } from '../../../src/storage/child-access.js';
import { encryptedStorage } from '../../../src/storage/encrypted.js';
import { encryptionKeySources, loadEncryptionKey } from '../../../src/storage/encryption-key.js';
import { memoryStorage } from '../../../src/storage/memory.js';

const HEX = 'ab'.repeat(32);

describe('encryptionKeySources', () => {
  it('reads the three variables, and a key file named by a flag or the config file wins over DBROLLBACK_ENCRYPTION_KEY_FILE', () => {
    expect(encryptionKeySources({ DBROLLBACK_ENCRYPTION_KEY: HEX, DBROLLBACK_ENCRYPTION_PASSPHRASE: 'p' })).toEqual({ key: HEX, keyFile: undefined, passphrase: 'p' });
    expect(encryptionKeySources({ DBROLLBACK_ENCRYPTION_KEY_FILE: '/etc/k' }).keyFile).toEqual({ path: '/etc/k', source: 'DBROLLBACK_ENCRYPTION_KEY_FILE' });
    expect(encryptionKeySources({ DBROLLBACK_ENCRYPTION_KEY_FILE: '/etc/k' }, { path: '/run/k', source: '--encryption-key-file' }).keyFile).toEqual({ path: '/run/k', source: '--encryption-key-file' });
    expect(encryptionKeySources({ DBROLLBACK_ENCRYPTION_KEY: '' })).toEqual({ key: undefined, keyFile: undefined, passphrase: undefined });
  });
});

describe('childStorageAccess', () => {
  it('an unencrypted storage: --storage URL only', () => {
    expect(childStorageAccess(memoryStorage('plain'))).toEqual({ args: ['--storage', 'memory://plain'], env: {}, keyFile: undefined });
  });

  it('a key from a file: its path as --encryption-key-file, nothing in the environment', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'dbrollback-key-')), 'k');
    await writeFile(file, `${HEX}\n`);
    const { key } = await loadEncryptionKey(encryptionKeySources({}, { path: file, source: '--encryption-key-file' }));
    const access = childStorageAccess(encryptedStorage(memoryStorage('enc'), key!));
    expect(access).toEqual({ args: ['--storage', 'memory://enc', '--encryption-key-file', file], env: {}, keyFile: file });
  });

  it('a key or passphrase from the environment: in the child environment, never in its arguments', async () => {
    const { key } = await loadEncryptionKey(encryptionKeySources({ DBROLLBACK_ENCRYPTION_KEY: Buffer.from(HEX, 'hex').toString('base64') }));
    const byKey = childStorageAccess(encryptedStorage(memoryStorage('k'), key!));
    expect(byKey).toEqual({ args: ['--storage', 'memory://k'], env: { DBROLLBACK_ENCRYPTION_KEY: HEX }, keyFile: undefined });
    const { key: phrase } = await loadEncryptionKey(encryptionKeySources({ DBROLLBACK_ENCRYPTION_PASSPHRASE: 'a long enough passphrase' }));
    const byPhrase = childStorageAccess(encryptedStorage(memoryStorage('p'), phrase!));
    expect(byPhrase.env).toEqual({ DBROLLBACK_ENCRYPTION_PASSPHRASE: 'a long enough passphrase' });
    expect(byPhrase.args.join(' ')).not.toContain('passphrase');
  });
});
