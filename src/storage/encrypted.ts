/**
 * Client-side encryption as a storage wrapper: every object any command
 * writes (dumps, manifests, audit records) is sealed before it reaches the
 * driver, and every object read is authenticated before a byte of it is used.
 *
 * The contract holds over plaintext: `put` reports the sha256 and size of the
 * PLAINTEXT (what manifests record and what a decrypted download hashes to),
 * `get` yields plaintext, `stat`/`list` report plaintext sizes. Create-only
 * with random nonces: two encryptions of the same bytes never match byte for
 * byte, so "identical" means the same plaintext digest, read from the
 * existing object's authenticated trailer after decrypting it.
 */
import { pipeline, type Readable } from 'node:stream';
import { DbrollbackError } from '../errors.js';
import { rememberKey } from './child-access.js';
import { objectExists, validateKey, type PutOptions, type PutResult, type Storage } from './contract.js';
import { DecryptStream } from './decrypt-stream.js';
import { DigestStream, digestOf, toReadable } from './digest.js';
import { EncryptStream } from './encrypt-stream.js';
import { deriveMaster, KEY_CHECK_KEY, KEY_CHECK_TEXT, newHeader, plaintextSize, wrongKey, type Header, type MasterKey } from './encryption-format.js';
import type { EncryptionKey } from './encryption-key.js';

export function encryptedStorage(inner: Storage, key: EncryptionKey): Storage {
  // One salt (one scrypt) for everything written; reads derive once per salt they meet.
  let writeMaster: Promise<MasterKey> | undefined;
  const bySalt = new Map<string, Promise<MasterKey>>();
  const forWriting = () => {
    if (!writeMaster) {
      writeMaster = deriveMaster(key);
      writeMaster.then((m) => bySalt.set(m.salt.toString('hex'), Promise.resolve(m)), () => undefined);
    }
    return writeMaster;
  };

  const masterFor = (storageKey: string) => async (header: Header): Promise<MasterKey> => {
    if ((header.kdf === 'scrypt') !== (key.kind === 'passphrase')) throw wrongKey(storageKey, header, undefined, key);
    let master: MasterKey;
    if (key.kind === 'key') master = await forWriting();
    else {
      const salt = header.salt.toString('hex');
      let pending = bySalt.get(salt);
      if (!pending) {
        pending = deriveMaster(key, header.salt, header.scrypt);
        bySalt.set(salt, pending);
      }
      // Writes reuse the key-check object's salt: one scrypt per run, and objects of every run readable with one derivation.
      if (storageKey === KEY_CHECK_KEY) writeMaster ??= pending;
      master = await pending;
    }
    if (!master.keyId.equals(header.keyId)) throw wrongKey(storageKey, header, master, key);
    return master;
  };

  const open = async (storageKey: string): Promise<DecryptStream> => {
    const raw = await inner.get(storageKey);
    const plain = new DecryptStream(masterFor(storageKey), storageKey);
    pipeline(raw, plain, () => undefined);
    // Refuse a planted or foreign object here, before the caller acts on any of it.
    await plain.ready;
    return plain;
  };

  /** The key is taken: the put succeeds only if the stored plaintext (its sealed digest, every chunk authenticated) equals the new one. */
  const compareWithExisting = async (storageKey: string, incoming: { sha256: string; size: number }): Promise<PutResult> => {
    const stored = await open(storageKey);
    for await (const chunk of stored) void chunk;
    const sha256 = stored.sha256();
    if (sha256 !== incoming.sha256 || stored.bytes !== incoming.size) throw objectExists(inner.url, storageKey);
    return { key: storageKey, size: stored.bytes, sha256, created: false };
  };

  /**
   * The storage's key-check object, read with our key (a wrong key fails here,
   * before anything is written), or written by the first write to a storage
   * that has none yet.
   */
  let keyVerified: Promise<void> | undefined;
  const keyReady = (): Promise<void> => {
    keyVerified ??= (async () => {
      if (await inner.stat(KEY_CHECK_KEY)) {
        for await (const chunk of await open(KEY_CHECK_KEY)) void chunk;
      } else {
        await putObject(KEY_CHECK_KEY, KEY_CHECK_TEXT, {});
      }
    })().catch((err: unknown) => {
      keyVerified = undefined;
      throw err;
    });
    return keyVerified;
  };

  const putObject = async (storageKey: string, body: Readable | Uint8Array | string, options: PutOptions): Promise<PutResult> => {
    validateKey(storageKey);
    const source = toReadable(body);
    if (await inner.stat(storageKey)) {
      return compareWithExisting(storageKey, await digestOf(source.pipe(new DigestStream(options.onProgress))));
    }
    const master = await forWriting();
    const sealed = new EncryptStream(master, newHeader(master), storageKey, options.onProgress);
    pipeline(source, sealed, () => undefined);
    try {
      await inner.put(storageKey, sealed, { expectedSize: options.expectedSize, contentType: options.contentType, signal: options.signal });
    } catch (err) {
      // Written by someone else meanwhile: the same rule as above, if all of ours was read.
      const sha256 = sealed.sha256();
      if (err instanceof DbrollbackError && err.code === 'STORAGE_OBJECT_EXISTS' && sha256 !== undefined) {
        return compareWithExisting(storageKey, { sha256, size: sealed.bytes });
      }
      source.destroy();
      throw err;
    }
    const sha256 = sealed.sha256();
    if (sha256 === undefined) throw new DbrollbackError('INTERNAL', `storing ${storageKey}: the upload completed before the whole body was read`, { hint: 'This is a dbrollback bug; please report it.' });
    return { key: storageKey, size: sealed.bytes, sha256, created: true };
  };

  const storage: Storage = {
    kind: inner.kind,
    url: inner.url,
    async check() {
      await inner.check();
      if (await inner.stat(KEY_CHECK_KEY)) await keyReady();
    },

    async put(storageKey: string, body: Readable | Uint8Array | string, options: PutOptions = {}): Promise<PutResult> {
      validateKey(storageKey);
      // Never add objects under one key to a storage written with another.
      await keyReady();
      return putObject(storageKey, body, options);
    },

    get: open,

    async stat(storageKey) {
      const info = await inner.stat(storageKey);
      return info ? { ...info, size: plaintextSize(info.size) } : null;
    },

    async list(prefix) {
      return (await inner.list(prefix)).filter((info) => info.key !== KEY_CHECK_KEY).map((info) => ({ ...info, size: plaintextSize(info.size) }));
    },

    delete: (storageKey) => inner.delete(storageKey),
    close: () => inner.close(),
  };
  // A child process that must open this storage too (restore_command) is given the same key.
  rememberKey(storage, key);
  return storage;
}
