/**
 * One archived file out of storage: downloaded, decompressed, its sha256
 * checked against the one wal-push recorded, and only then renamed to its
 * destination — a damaged or half-fetched file never appears under the name
 * PostgreSQL (or the spool) reads.
 */
import { createWriteStream } from 'node:fs';
import { chmod, chown, mkdir, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DbrollbackError, isDbrollbackError } from '../../errors.js';
import type { Storage } from '../../storage/contract.js';
import { gunzipMember, WalObjectError } from './gzip-member.js';
import { walKey, type WalFileName } from './layout.js';

export interface FetchIntoOptions {
  /** uid and gid the file is given before it appears under its name (the server's OS user, when another user fetches for it). */
  owner?: readonly [number, number];
  /** The file's mode (default 0600): 0644 for a server whose OS user is not known here (a container's). */
  mode?: number;
}

/** WAL_NOT_FOUND when the archive has no such file; WAL_CORRUPT when it is damaged. */
export async function fetchInto(storage: Storage, file: WalFileName, dest: string, options: FetchIntoOptions = {}): Promise<number> {
  const key = walKey(file);
  let stored;
  try {
    stored = await storage.get(key);
  } catch (err) {
    if (isDbrollbackError(err) && err.code === 'STORAGE_OBJECT_NOT_FOUND') {
      throw new DbrollbackError('WAL_NOT_FOUND', `${file.name} is not in the archive ${storage.url}`, {
        hint: 'At the end of the archive this is expected (recovery ends here). Otherwise check --storage names the archive wal-push writes to.',
        details: { name: file.name, key },
      });
    }
    throw err;
  }
  await mkdir(path.dirname(dest), { recursive: true });
  const temp = path.join(path.dirname(dest), `.dbrollback-tmp-${path.basename(dest)}-${randomBytes(4).toString('hex')}`);
  try {
    const out = await gunzipMember(stored, createWriteStream(temp, { flags: 'wx', mode: 0o600 })).catch((err: unknown) => {
      if (err instanceof WalObjectError) throw corrupt(storage, file, key, err.message);
      throw err;
    });
    if (out.actual !== out.recorded) throw corrupt(storage, file, key, `its content's sha256 is ${out.actual.slice(0, 12)}…, wal-push recorded ${out.recorded.slice(0, 12)}…`);
    if (options.owner) await chown(temp, ...options.owner);
    if (options.mode !== undefined) await chmod(temp, options.mode);
    await rename(temp, dest);
    return out.size;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function corrupt(storage: Storage, file: WalFileName, key: string, why: string): DbrollbackError {
  return new DbrollbackError('WAL_CORRUPT', `archived ${file.name} in ${storage.url} is damaged: ${why}`, {
    hint: 'Recovery cannot continue past this file. Restore from a newer base backup (`dbrollback backups --check` lists them) or recover the object from the storage provider.',
    details: { name: file.name, key },
  });
}
