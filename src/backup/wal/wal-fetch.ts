/**
 * `dbrollback wal-fetch NAME DEST`, PostgreSQL's restore_command.
 *
 * PostgreSQL reads exit 1 as "this file is not in the archive" — the end of
 * recovery, when it may promote — so only an absent object may ever give it
 * (WAL_NOT_FOUND). Anything else (storage down, a damaged object) must stop
 * recovery instead; the CLI turns those into exit 126.
 *
 * Recovery asks for one segment at a time and waits for each: a spool
 * directory holds the next segments, fetched in parallel by a background
 * prefetch (wal-prefetch.ts) that each call starts; a call whose segment is
 * already spooled only renames it into place.
 */
import { copyFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isDbrollbackError } from '../../errors.js';
import type { Storage } from '../../storage/contract.js';
import { fetchInto } from './fetch-into.js';
import { checkWalName } from './layout.js';
import { dropSpool, startPrefetch, type PrefetchWorker } from './wal-prefetch.js';

export interface WalFetchOptions {
  /** Directory of prefetched segments (default: `dbrollback-spool` beside DEST). */
  spoolDir?: string;
  /** How many following segments to prefetch (default 8; 0 = none). */
  prefetch?: number;
  /** How to start the background prefetch (the CLI runs itself); without it nothing is prefetched. */
  worker?: PrefetchWorker;
}

export interface WalFetchResult {
  name: string;
  dest: string;
  size: number;
  /** Taken from the spool (prefetched) rather than from storage. */
  fromSpool: boolean;
}

export const DEFAULT_PREFETCH = 8;
export const SPOOL_DIR_NAME = 'dbrollback-spool';

export async function walFetch(storage: Storage, name: string, dest: string, options: WalFetchOptions = {}): Promise<WalFetchResult> {
  const file = checkWalName(name);
  const spoolDir = options.spoolDir ?? path.join(path.dirname(dest), SPOOL_DIR_NAME);
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  const prefetching = async () => {
    if (file.kind === 'segment' && prefetch > 0 && options.worker) await startPrefetch(options.worker, { after: file.name, count: prefetch, spoolDir });
  };

  if (file.kind === 'segment') {
    const spooled = await takeFromSpool(path.join(spoolDir, file.name), dest);
    if (spooled !== null) {
      await prefetching();
      return { name, dest, size: spooled, fromSpool: true };
    }
  }
  let size: number;
  try {
    size = await fetchInto(storage, file, dest);
  } catch (err) {
    // The end of the archive: recovery is about to finish, and the spool (in pg_wal) would outlive it.
    if (isDbrollbackError(err) && err.code === 'WAL_NOT_FOUND' && file.kind === 'segment' && !options.spoolDir) await dropSpool(spoolDir);
    throw err;
  }
  await prefetching();
  return { name, dest, size, fromSpool: false };
}

async function takeFromSpool(spooled: string, dest: string): Promise<number | null> {
  const { size } = await stat(spooled).catch(() => ({ size: -1 }));
  if (size < 0) return null;
  try {
    await rename(spooled, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code !== 'EXDEV') throw err;
    // A --spool on another filesystem than pg_wal.
    await copyFile(spooled, dest);
    await unlink(spooled).catch(() => undefined);
  }
  return size;
}
