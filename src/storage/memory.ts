/**
 * In-memory storage: the contract with nothing underneath, for unit tests and
 * as the reference behaviour the other drivers are tested against.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { objectExists, objectNotFound, validateKey, validatePrefix, type ObjectInfo, type PutOptions, type PutResult, type Storage } from './contract.js';
import { DigestStream, toReadable } from './digest.js';

interface MemoryObject {
  bytes: Buffer;
  sha256: string;
  lastModified: Date;
}

export interface MemoryStorage extends Storage {
  /** Replace an object's bytes behind the contract's back (tests: simulate damage). */
  tamper(key: string, bytes: Buffer): void;
  /** Set an object's time (tests: age-based pruning). */
  touch(key: string, lastModified: Date): void;
}

export function memoryStorage(name = 'memory'): MemoryStorage {
  const objects = new Map<string, MemoryObject>();
  const url = `memory://${name}`;
  return {
    kind: 'memory',
    url,
    async check() {},
    async put(key: string, body: Readable | Uint8Array | string, options: PutOptions = {}): Promise<PutResult> {
      validateKey(key);
      const digest = new DigestStream(options.onProgress);
      const chunks: Buffer[] = [];
      await pipeline(
        toReadable(body),
        digest,
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            chunks.push(chunk);
            cb();
          },
        }),
        { signal: options.signal },
      );
      const sha256 = digest.sha256();
      const existing = objects.get(key);
      if (existing) {
        if (existing.sha256 !== sha256) throw objectExists(url, key);
        return { key, size: existing.bytes.length, sha256, created: false };
      }
      const bytes = Buffer.concat(chunks);
      objects.set(key, { bytes, sha256, lastModified: new Date() });
      return { key, size: bytes.length, sha256, created: true };
    },
    async get(key) {
      validateKey(key);
      const object = objects.get(key);
      if (!object) throw objectNotFound(url, key);
      return Readable.from([object.bytes]);
    },
    async stat(key) {
      validateKey(key);
      const object = objects.get(key);
      return object ? { key, size: object.bytes.length, lastModified: object.lastModified } : null;
    },
    async list(prefix) {
      validatePrefix(prefix);
      const out: ObjectInfo[] = [];
      for (const [key, object] of objects) {
        if (key.startsWith(prefix)) out.push({ key, size: object.bytes.length, lastModified: object.lastModified });
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async delete(key) {
      validateKey(key);
      objects.delete(key);
    },
    async close() {},
    tamper(key, bytes) {
      const object = objects.get(key);
      if (!object) throw objectNotFound(url, key);
      objects.set(key, { ...object, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    },
    touch(key, lastModified) {
      const object = objects.get(key);
      if (!object) throw objectNotFound(url, key);
      object.lastModified = lastModified;
    },
  };
}
