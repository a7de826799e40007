import { PUSHER_NODE_FLAGS, type PusherWorker } from '../backup/wal/wal-pusher.js';
import type { ChildStorageAccess } from '../storage/child-access.js';

/**
 * wal-push's detached pusher is this very CLI, taking the short way in (archive-entry.ts: `wal-push` first),
 * opening the same storage with the same key (a key file by its path; credentials and a key from the
 * environment stay there).
 */
export function selfPusherWorker(access: ChildStorageAccess): PusherWorker {
  return {
    command: process.execPath,
    args: (walDir) => [...PUSHER_NODE_FLAGS, process.argv[1]!, 'wal-push', '--pusher', walDir, ...access.args],
    env: access.env,
  };
}
