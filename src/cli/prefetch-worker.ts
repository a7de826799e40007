import type { PrefetchWorker } from '../backup/wal/wal-prefetch.js';

/** wal-fetch's background prefetcher is this very CLI, with the same storage (credentials stay in the environment). */
export function selfPrefetchWorker(storageUrl: string): PrefetchWorker {
  return {
    command: process.execPath,
    args: (r) => [process.argv[1]!, '--storage', storageUrl, 'wal-fetch', '--spool-worker', '--prefetch', String(r.count), r.after, r.spoolDir],
  };
}
