/**
 * Storage opened without a key: an encrypted object must not be handed to a
 * caller as if it were a dump or a manifest (pg_restore or JSON.parse would
 * fail on it with a message that names neither the cause nor the fix), so
 * `get` looks at the first bytes and refuses with ENCRYPTION_KEY_MISSING; and
 * nothing is checked or written into a storage that holds the encryption
 * key-check object (plaintext would sit beside encrypted objects).
 */
import type { Readable } from 'node:stream';
import type { Storage } from './contract.js';
import { KEY_CHECK_KEY, keyMissing, looksEncrypted, MAGIC } from './encryption-format.js';

export function unencryptedStorage(inner: Storage): Storage {
  let plain: Promise<void> | undefined;
  const assertPlain = (): Promise<void> => {
    plain ??= (async () => {
      if (await inner.stat(KEY_CHECK_KEY)) throw keyMissing(KEY_CHECK_KEY, inner.url);
    })().catch((err: unknown) => {
      plain = undefined;
      throw err;
    });
    return plain;
  };
  return {
    kind: inner.kind,
    url: inner.url,
    async check() {
      await inner.check();
      await assertPlain();
    },
    async put(key, body, options) {
      await assertPlain();
      return inner.put(key, body, options);
    },
    async get(key) {
      const stream = await inner.get(key);
      if (looksEncrypted(await peek(stream, MAGIC.length))) {
        stream.destroy();
        throw keyMissing(key);
      }
      return stream;
    },
    stat: (key) => inner.stat(key),
    list: async (prefix) => (await inner.list(prefix)).filter((info) => info.key !== KEY_CHECK_KEY),
    delete: (key) => inner.delete(key),
    close: () => inner.close(),
  };
}

/** The first `n` bytes (fewer if the stream is shorter), put back so the caller reads the stream whole. */
async function peek(stream: Readable, n: number): Promise<Buffer> {
  for (;;) {
    const head = stream.read(n) as Buffer | null;
    if (head !== null) {
      stream.unshift(head);
      return head;
    }
    if (stream.readableEnded) return Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        stream.off('readable', done).off('end', done).off('error', fail);
        resolve();
      };
      const fail = (err: Error) => {
        stream.off('readable', done).off('end', done).off('error', fail);
        reject(err);
      };
      stream.on('readable', done).on('end', done).on('error', fail);
    });
  }
}
