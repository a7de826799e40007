/**
 * Local directory storage (`file:///dir` or a plain path).
 *
 * An object is written to a hidden temp name in its final directory, fsynced,
 * then hard-linked to its real name — `link` is an atomic create that fails
 * if the name exists, so a crash never leaves a half object under a real name
 * and an existing object is never replaced — and the directory is fsynced.
 */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, link, mkdir, open, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DbrollbackError } from '../errors.js';
import { objectExists, objectNotFound, validateKey, validatePrefix, type ObjectInfo, type PutOptions, type PutResult, type Storage } from './contract.js';
import { DigestStream, digestOf, toReadable } from './digest.js';

/** Temp files carry this prefix; listings skip them. */
const TEMP_PREFIX = '.dbrollback-tmp-';

export function fileStorage(root: string): Storage {
  const dir = path.resolve(root);
  const url = pathToFileURL(dir).href;

  const pathOf = (key: string): string => {
    validateKey(key);
    if (key.split('/').some((s) => s.startsWith(TEMP_PREFIX))) {
      throw new DbrollbackError('STORAGE_KEY_INVALID', `storage key ${JSON.stringify(key)} uses the reserved prefix "${TEMP_PREFIX}"`, {
        hint: 'Choose a key whose segments do not start with that prefix.',
      });
    }
    return path.join(dir, ...key.split('/'));
  };

  return {
    kind: 'file',
    url,

    async check() {
      // Nothing is created here: the nearest existing ancestor must be a writable directory.
      let probe = dir;
      for (;;) {
        const info = await stat(probe).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(storageError(url, 'cannot be read', err))));
        if (info) {
          if (!info.isDirectory()) {
            throw new DbrollbackError('STORAGE_URL_INVALID', `${probe} is not a directory, so ${url} cannot be used as backup storage`, {
              hint: 'Point --storage at a directory (it is created if missing).',
            });
          }
          try {
            await access(probe, constants.W_OK | constants.X_OK);
          } catch (cause) {
            throw new DbrollbackError('STORAGE_ACCESS_DENIED', `directory ${probe} is not writable, so ${url} cannot be used as backup storage`, {
              hint: 'Fix the directory permissions or choose another --storage directory.',
              cause,
            });
          }
          return;
        }
        const parent = path.dirname(probe);
        if (parent === probe) return;
        probe = parent;
      }
    },

    async put(key: string, body: Readable | Uint8Array | string, options: PutOptions = {}): Promise<PutResult> {
      const final = pathOf(key);
      const parent = path.dirname(final);
      await mkdir(parent, { recursive: true }).catch((err) => Promise.reject(storageError(url, `cannot create directory ${parent}`, err)));
      const temp = path.join(parent, `${TEMP_PREFIX}${path.basename(final)}-${randomBytes(6).toString('hex')}`);
      const digest = new DigestStream(options.onProgress);
      try {
        // flush: fsync before close, so the bytes are on disk before the name points at them.
        await pipeline(toReadable(body), digest, createWriteStream(temp, { flags: 'wx', mode: 0o640, flush: true }), { signal: options.signal });
        const sha256 = digest.sha256();
        try {
          await link(temp, final);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw storageError(url, `cannot create ${final}`, err);
          const existing = await digestOf(createReadStream(final));
          if (existing.sha256 !== sha256) throw objectExists(url, key);
          return { key, size: existing.size, sha256, created: false };
        }
        await fsyncDir(parent);
        return { key, size: digest.bytes, sha256, created: true };
      } catch (err) {
        throw err instanceof DbrollbackError ? err : storageError(url, `writing ${key} failed`, err);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
    },

    async get(key) {
      const file = pathOf(key);
      let handle;
      try {
        handle = await open(file, 'r');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR') throw objectNotFound(url, key);
        throw storageError(url, `cannot read ${key}`, err);
      }
      return handle.createReadStream();
    },

    async stat(key) {
      const file = pathOf(key);
      try {
        const info = await stat(file);
        return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : null;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
        throw storageError(url, `cannot stat ${key}`, err);
      }
    },

    async list(prefix) {
      validatePrefix(prefix);
      // Walk only the deepest directory the prefix names.
      const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      const out: ObjectInfo[] = [];
      await walk(path.join(dir, ...base.split('/').filter(Boolean)), base, prefix, out, url);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async delete(key) {
      const file = pathOf(key);
      try {
        await unlink(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw storageError(url, `cannot delete ${key}`, err);
      }
      // Drop directories the deletion left empty (backups/<id>/), never the root.
      let parent = path.dirname(file);
      while (parent !== dir && parent.startsWith(dir + path.sep)) {
        try {
          await rmdir(parent);
        } catch {
          break;
        }
        parent = path.dirname(parent);
      }
    },

    async close() {},
  };
}

async function walk(directory: string, relative: string, prefix: string, out: ObjectInfo[], url: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw storageError(url, `cannot list ${directory}`, err);
  }
  for (const entry of entries) {
    if (entry.name.startsWith(TEMP_PREFIX)) continue;
    const key = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      // Descend only where keys can still match the prefix.
      if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path.join(directory, entry.name), key, prefix, out, url);
    } else if (entry.isFile() && key.startsWith(prefix)) {
      const info = await stat(path.join(directory, entry.name)).catch(() => null);
      if (info) out.push({ key, size: info.size, lastModified: info.mtime });
    }
  }
}

async function fsyncDir(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function storageError(url: string, what: string, cause: unknown): DbrollbackError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DbrollbackError('STORAGE_FAILED', `${url}: ${what}: ${reason}`, {
    hint: 'Check the directory exists, has free space and is writable by this user.',
    cause,
  });
}
