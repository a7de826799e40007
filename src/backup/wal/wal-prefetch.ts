/**
 * The spool behind wal-fetch: a detached background process fetches the
 * segments after the one PostgreSQL just asked for, a few at a time, into a
 * spool directory, so the next wal-fetch calls find them there. One
 * prefetcher per spool (a pid lock, pid-lock.ts); it fetches a bounded
 * window and exits, and the next wal-fetch starts another. Only complete,
 * checked files ever appear under a segment's name in the spool (fetchInto
 * writes a temp file and renames it), and a failed prefetch costs nothing:
 * the segment is then fetched in the foreground.
 */
import { mkdir, readdir, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from '../../storage/contract.js';
import { parseWalName, walNameOfKey, WAL_PREFIX, type WalFileName } from './layout.js';
import { fetchInto } from './fetch-into.js';
import { acquirePidLock, pidLockHolder } from './pid-lock.js';

/** How to run a prefetcher: a command whose arguments get `after`, `count` and `spoolDir` appended by `args`. */
export interface PrefetchWorker {
  command: string;
  args: (request: PrefetchRequest) => string[];
  /** Added to the inherited environment (the storage's key, when it is not in a file). */
  env?: Record<string, string>;
}

export interface PrefetchRequest {
  /** The segment just fetched: prefetch the ones after it. */
  after: string;
  count: number;
  spoolDir: string;
}

const LOCK_NAME = '.prefetch.lock';
const CONCURRENCY = 4;

/** Start a detached prefetcher unless one is already working on this spool. */
export async function startPrefetch(worker: PrefetchWorker, request: PrefetchRequest): Promise<void> {
  // Made here, in the foreground (its server is alive and asking): the detached worker never creates it.
  await mkdir(request.spoolDir, { recursive: true });
  if ((await pidLockHolder(path.join(request.spoolDir, LOCK_NAME))) !== null) return;
  // Loaded only to start one: node:child_process adds ≈ 0.7 MB to the memory of every wal-fetch and wal-push that loads it.
  const { spawn } = await import('node:child_process');
  const child = spawn(worker.command, worker.args(request), { detached: true, stdio: 'ignore', ...(worker.env ? { env: { ...process.env, ...worker.env } } : {}) });
  child.on('error', () => undefined);
  child.unref();
}

/** The prefetcher's work: fetch up to `count` archived segments after `after` into the spool. */
export async function walPrefetch(storage: Storage, request: PrefetchRequest): Promise<{ fetched: string[] }> {
  const after = parseWalName(request.after);
  if (!after || after.kind !== 'segment') return { fetched: [] };
  // A worker started just before its cluster was stopped and removed must not bring the directory
  // back (mkdir -p would recreate the removed data directory's path and fill it with segments).
  if (!(await isDirectory(request.spoolDir))) return { fetched: [] };
  const lock = await acquirePidLock(path.join(request.spoolDir, LOCK_NAME));
  if (!lock) return { fetched: [] };
  try {
    await dropConsumed(request.spoolDir, after.name);
    const present = new Set(await readdir(request.spoolDir));
    const wanted = (await nextSegments(storage, after, request.count)).filter((f) => !present.has(f.name));
    const fetched: string[] = [];
    const queue = [...wanted];
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          await fetchInto(storage, next, path.join(request.spoolDir, next.name));
          fetched.push(next.name);
        }
      }),
    );
    return { fetched };
  } finally {
    await lock();
  }
}

/** The archived segments following `after` on its timeline (this log id and the next). */
async function nextSegments(storage: Storage, after: WalFileName, count: number): Promise<WalFileName[]> {
  const logId = parseInt(after.name.slice(8, 16), 16);
  const prefixes = [logId, logId + 1].map((id) => `${WAL_PREFIX}${after.timeline}/${after.timeline}${id.toString(16).toUpperCase().padStart(8, '0')}`);
  const found: WalFileName[] = [];
  for (const prefix of prefixes) {
    for (const object of await storage.list(prefix)) {
      const file = walNameOfKey(object.key);
      if (file?.kind === 'segment' && file.name > after.name) found.push(file);
    }
    if (found.length >= count) break;
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : 1)).slice(0, count);
}

/** Segments at or before the one just fetched will not be asked for again. */
async function dropConsumed(spoolDir: string, after: string): Promise<void> {
  for (const entry of await readdir(spoolDir)) {
    const file = parseWalName(entry);
    if ((file?.kind === 'segment' && file.name <= after) || entry.startsWith('.dbrollback-tmp-')) await unlink(path.join(spoolDir, entry)).catch(() => undefined);
  }
}

/** Remove the spool unless a prefetcher is still filling it (it is only a cache). */
export async function dropSpool(spoolDir: string): Promise<void> {
  if ((await pidLockHolder(path.join(spoolDir, LOCK_NAME))) !== null) return;
  await rm(spoolDir, { recursive: true, force: true });
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then((s) => s.isDirectory(), () => false);
}
