import type { PrefetchWorker } from '../backup/wal/wal-prefetch.js';
import type { ChildStorageAccess } from '../storage/child-access.js';

/** wal-fetch's background prefetcher is this very CLI, opening the same storage with the same key (a key file by its path; credentials and a key from the environment stay there). */
export function selfPrefetchWorker(access: ChildStorageAccess): PrefetchWorker {
  return {
    command: process.execPath,
    args: (r) => [process.argv[1]!, ...access.args, 'wal-fetch', '--spool-worker', '--prefetch', String(r.count), r.after, r.spoolDir],
    env: access.env,
  };
}
