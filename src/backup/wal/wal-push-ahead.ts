/**
 * wal-push ahead of the server: the server's `wal-push` stores its own file,
 * and the other WAL files PostgreSQL has already marked ready
 * (`pg_wal/archive_status/*.ready`) are stored by a detached pusher
 * (wal-pusher.ts) — or, without one, by this same call after its own — each
 * recorded with a marker in `pg_wal/dbrollback-pushed/<name>`. The server's
 * next calls for those files find the marker and return at once — in the
 * shell alone with the archive_command `archiveCommandWithMarkers` writes,
 * or in wal-push — as pgBackRest's asynchronous archive-push does, without a
 * Node start-up and a compression per segment when archiving keeps up.
 *
 * The contract is wal-push's: exit 0 only once the file asked for is stored
 * (by this call, or by the pusher, whose marker says so); a marker is
 * written only once the storage holds the object; a file that could not be
 * pushed ahead gets no marker, so the server's own call pushes it and
 * reports what is wrong. A file the pusher is storing right now (its claim)
 * is waited for, not pushed twice.
 */
import { mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from '../../storage/contract.js';
import { checkWalName } from './layout.js';
import { acquirePidLock, pidLockHolder } from './pid-lock.js';
import { CLAIM_PREFIX, claimFile, markedFiles, markerHolds, markersDir, PUSHED_DIR, readyFiles } from './push-markers.js';
import { walPush, type WalPushOptions, type WalPushResult } from './wal-push.js';
import { pushReady, startPusher, type PusherWorker } from './wal-pusher.js';

export { PUSHED_DIR, fileIdentity } from './push-markers.js';
export { DEFAULT_PUSH_CONCURRENCY } from './wal-pusher.js';
/** Files pushed ahead by an in-process push (no pusher) besides the one asked for (256 MB of WAL at most). */
export const DEFAULT_PUSH_AHEAD = 16;
/** How long the server's call waits for a file the pusher is storing before it pushes it itself. */
const CLAIM_WAIT_MS = 60_000;
const CLAIM_POLL_MS = 25;

export interface PushAheadOptions extends WalPushOptions {
  /** Other ready files to push ahead (0: only the one asked for). With a pusher, 0 starts none. */
  ahead?: number;
  concurrency?: number;
  /** Leave the files ahead to a detached pusher (the CLI's own); without one, this call pushes them after its own. */
  pusher?: PusherWorker;
}

export interface PushAheadResult {
  /** The file asked for, when this call stored it (null: it was already stored ahead). */
  pushed: WalPushResult | null;
  /** It had been pushed ahead (its marker matched and the storage holds the object). */
  fromMarker: boolean;
  /** A detached pusher stores the other ready files: started by this call, or already running. */
  pusher: 'started' | 'running' | null;
  /** Other ready files stored (and marked) by this call, without a pusher. */
  ahead: string[];
  /** Other ready files this call could not push ahead (the server's own call will push them, and report). */
  failedAhead: Array<{ name: string; error: string }>;
}

export async function walPushAhead(storage: Storage, file: string, options: PushAheadOptions = {}): Promise<PushAheadResult> {
  const name = checkWalName(path.basename(file)).name;
  const walDir = path.dirname(file);
  const markers = markersDir(walDir);
  const done = (pushed: WalPushResult | null, rest: Partial<PushAheadResult> = {}): PushAheadResult => ({ pushed, fromMarker: pushed === null, pusher: null, ahead: [], failedAhead: [], ...rest });

  if (await usedMarker(storage, markers, name, file)) return done(null);
  const ready = await readyFiles(walDir);
  // Not in a pg_wal PostgreSQL archives from: a plain push.
  if (ready === null) return done(await walPush(storage, file, options));
  await mkdir(markers, { recursive: true, mode: 0o700 });
  const unclaim = await claimOwn(storage, markers, name, file);
  if (unclaim === 'stored ahead') return done(null);
  try {
    const marked = await markedFiles(markers);
    const others = ready.filter((n) => n !== name && !marked.has(n)).slice(0, options.ahead ?? DEFAULT_PUSH_AHEAD);
    // Started first, so its start-up overlaps this push; it skips the file this call has claimed.
    const pusher = options.pusher && others.length > 0 ? await startPusher(options.pusher, walDir) : null;
    const pushed = await walPush(storage, file, options);
    await unclaim?.();
    if (pusher !== null || others.length === 0) return done(pushed, { pusher });
    const inProcess = await pushReady(storage, walDir, others, options);
    return done(pushed, { ahead: inProcess.stored, failedAhead: inProcess.failed });
  } finally {
    await unclaim?.();
  }
}

/** Pushed ahead: the marker names this very file and the storage holds it; the marker is used up. */
async function usedMarker(storage: Storage, markers: string, name: string, file: string): Promise<boolean> {
  if (!(await markerHolds(storage, markers, name, file))) return false;
  await unlink(path.join(markers, name)).catch(() => undefined);
  return true;
}

/**
 * Claim the file asked for. When the pusher is storing it, wait for the claim to go: its marker then
 * answers; without one (the pusher failed or died), this call claims and pushes it. After a long wait it
 * pushes without the claim (the storage never replaces an object, so two pushes of one file are safe).
 */
async function claimOwn(storage: Storage, markers: string, name: string, file: string): Promise<(() => Promise<void>) | null | 'stored ahead'> {
  const claim = claimFile(markers, name);
  for (const start = Date.now(); Date.now() - start < CLAIM_WAIT_MS; ) {
    const unclaim = await acquirePidLock(claim);
    if (unclaim) return unclaim;
    while ((await pidLockHolder(claim)) !== null && Date.now() - start < CLAIM_WAIT_MS) await sleep(CLAIM_POLL_MS);
    if (await usedMarker(storage, markers, name, file)) return 'stored ahead';
  }
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The archive_command (as written in postgresql.conf: a literal % doubled) that answers from a marker in
 * the shell and runs `wal-push` only otherwise. While a live process holds the file's claim (the pusher
 * storing it right now) the shell waits for it — 50 ms at a time, 60 s at most — rather than starting Node
 * to wait; then `test -f M/%f && test "$(cat M/%f)" = "$(stat -c '%s %i %Y' %p)" && rm -f M/%f || WAL_PUSH`.
 * The marker is removed once used; anything else — no marker, another file under the name, a claim
 * left by a process that died — is wal-push's to decide.
 */
export function archiveCommandWithMarkers(walPushCommand: string): string {
  const marker = `pg_wal/${PUSHED_DIR}/%f`;
  const claim = `pg_wal/${PUSHED_DIR}/${CLAIM_PREFIX}%f`;
  const wait = `n=0; while test -s ${claim} && kill -0 "$(cat ${claim})" 2>/dev/null && test $n -lt ${Math.round(CLAIM_WAIT_MS / 50)}; do sleep 0.05; n=$((n+1)); done`;
  return `${wait}; test -f ${marker} && test "$(cat ${marker})" = "$(stat -c '%%s %%i %%Y' %p)" && rm -f ${marker} || ${walPushCommand}`;
}
