/**
 * `dbrollback wal-push PATH`, PostgreSQL's archive_command: one WAL file,
 * compressed and stored under a deterministic key. It returns (exit 0) only
 * once the storage holds the object durably; PostgreSQL then recycles the
 * segment, so "stored" must really mean stored. An object already under the
 * key is never replaced: identical content is success (PostgreSQL retries a
 * push whose exit it did not see), different content is WAL_EXISTS_DIFFERENT.
 */
import { withFaultPoint } from '../../audit/fault-point.js';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DbrollbackError, isDbrollbackError } from '../../errors.js';
import type { Storage } from '../../storage/contract.js';
import { fileDigest, gunzipMember, gzipFile, recordedDigest, WalObjectError } from './gzip-member.js';
import { checkWalName, walKey, WAL_GZIP_LEVEL } from './layout.js';

export interface WalPushOptions {
  /** zlib level (default 6). */
  level?: number;
  /**
   * A cheap garbage collection (young generation) the push may call every few MB: Node frees Buffers only
   * at its next collection, which by itself comes only after tens of MB of them (the CLI's archive entry passes one).
   */
  collect?: () => void;
}

export interface WalPushResult {
  name: string;
  key: string;
  /** False when the archive already held this very file (nothing was written). */
  created: boolean;
  /** Uncompressed size and sha256. */
  size: number;
  sha256: string;
  /** Bytes stored (compressed). */
  storedSize: number;
}

export async function walPush(storage: Storage, file: string, options: WalPushOptions = {}): Promise<WalPushResult> {
  const name = checkWalName(path.basename(file));
  const key = walKey(name);
  const info = await stat(file).catch((cause: unknown) => {
    throw new DbrollbackError('FILE_UNREADABLE', `WAL file ${file} cannot be read: ${(cause as Error).message}`, {
      hint: 'archive_command runs in the data directory: pass %p as PostgreSQL gives it (dbrollback wal-push %p).',
      cause,
    });
  });
  // The sha256 goes in the gzip header, which comes first: hash, then compress (the file is in the page cache by then).
  const { sha256, size } = await fileDigest(file).catch((cause: unknown) => {
    throw new DbrollbackError('FILE_UNREADABLE', `WAL file ${file} cannot be read: ${(cause as Error).message}`, { cause });
  });
  if (size !== info.size) throw new DbrollbackError('FILE_UNREADABLE', `WAL file ${file} changed size while it was read (${info.size} → ${size} bytes)`, {});
  try {
    const put = await storage.put(key, withFaultPoint('wal-push:upload', gzipFile(file, sha256, options.level ?? WAL_GZIP_LEVEL, options.collect)), {
      expectedSize: size,
      contentType: 'application/gzip',
    });
    return { name: name.name, key, created: put.created, size, sha256, storedSize: put.size };
  } catch (err) {
    if (!isDbrollbackError(err) || err.code !== 'STORAGE_OBJECT_EXISTS') throw err;
  }
  // Same name, other bytes: it is the same file only if the stored one decompresses to the same sha256.
  // Its header names the file it holds: another file is refused without decompressing it all.
  const claimed = await storage.get(key).then(recordedDigest);
  const existing = claimed === sha256 ? await storedDigest(storage, key) : claimed === null ? null : { recorded: claimed, actual: claimed };
  if (existing && existing.actual === sha256 && existing.recorded === sha256) {
    const stored = await storage.stat(key);
    return { name: name.name, key, created: false, size, sha256, storedSize: stored?.size ?? 0 };
  }
  throw new DbrollbackError('WAL_EXISTS_DIFFERENT', `the archive already holds ${name.name} in ${storage.url} with different content (stored sha256 ${existing?.actual.slice(0, 12) ?? 'unreadable'}…, this file ${sha256.slice(0, 12)}…); it was not replaced`, {
    hint: 'Two clusters may be archiving into the same storage, or a restored copy kept archiving. Give each cluster its own storage prefix; never delete archived WAL to make this pass.',
    details: { name: name.name, key, storedSha256: existing?.actual ?? null, sha256 },
  });
}

async function storedDigest(storage: Storage, key: string): Promise<{ recorded: string; actual: string } | null> {
  try {
    const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    return await gunzipMember(await storage.get(key), discard);
  } catch (err) {
    if (err instanceof WalObjectError) return null;
    throw err;
  }
}
