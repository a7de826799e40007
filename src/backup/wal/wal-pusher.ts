/**
 * The detached pusher behind wal-push ahead, as pgBackRest's asynchronous
 * archive-push process: the server's wal-push stores its own file, starts
 * this process (detached, no stdio) and exits; the pusher stores the other
 * files PostgreSQL has marked ready, one at a time, writing each one's
 * marker only once the storage holds it (created, or already there with
 * identical content: wal-push's contract), and exits once nothing is left
 * to push for a moment.
 *
 * One pusher per cluster (a pid lock in the markers directory; a lock left by
 * a pusher that died is taken over). Each file is claimed while it is pushed
 * (push-markers.ts), so the server's call for a file the pusher is storing
 * waits for its marker instead of pushing it a second time, and the pusher
 * skips a file the server's own wal-push has claimed. Nothing fails
 * silently: a file the pusher could not store gets no marker (the server's
 * own call pushes it and reports what is wrong), and every failure is
 * written to `pg_wal/dbrollback-pushed/pusher.log` with its reason.
 */
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from '../../storage/contract.js';
import { parseWalName, walKey } from './layout.js';
import { acquirePidLock, pidLockHolder } from './pid-lock.js';
import { claimFile, dropStale, fileIdentity, markedFiles, markersDir, PUSHER_LOCK, PUSHER_LOG, readyFiles, stillReady, writeMarker } from './push-markers.js';
import { walPush, type WalPushOptions } from './wal-push.js';

/** How to run a pusher: a command whose arguments name the pg_wal directory. */
export interface PusherWorker {
  command: string;
  args: (walDir: string) => string[];
  /** Added to the inherited environment (the storage's key, when it is not in a file). */
  env?: Record<string, string>;
}

export interface PusherOptions extends WalPushOptions {
  /** Files pushed at once (default 1, see DEFAULT_PUSH_CONCURRENCY). */
  concurrency?: number;
  /** Exit after this long with nothing to push, ms. */
  idleMs?: number;
  /** Exit after storing this many files (default DEFAULT_PUSHER_FILES; the server's next call that finds no marker starts another pusher). */
  limit?: number;
  /**
   * A full garbage collection, called after each file: the output Buffers of a segment's deflate that
   * outlived a young-generation collection are otherwise freed only when V8 next collects its old
   * generation, and a pusher's peak memory grew by ≈ 0.7 MB per segment (64 MB after 17 segments, 52 MB with it).
   */
  collectAll?: () => void;
}

export interface PusherResult {
  /** False when another pusher held the lock (this one did nothing). */
  ran: boolean;
  stored: string[];
  failed: Array<{ name: string; error: string }>;
}

/**
 * One file at a time: two at once took the pusher's peak RSS from ≈ 49.5 to ≈ 52 MB (two deflate states and
 * their buffers) for no smaller backlog — the server's own call pushes a file the pusher has not claimed, in
 * parallel with it (bench/README.md, "wal-push with a detached pusher").
 */
export const DEFAULT_PUSH_CONCURRENCY = 1;
/**
 * Files one pusher stores before it exits: its peak RSS still creeps up by ≈ 0.1 MB per file (48.6 MB after 1,
 * 50.0 after 16 with V8's default young generation, measured idle; the CLI's pusher runs with a 1 MB one, 49.7), so a
 * long bulk load is served by a new pusher every 16 files (a Node start, ≈ 0.07 s of CPU, per 16). 8 files kept the
 * peak at 49.4 MB but let the backlog grow past pgBackRest async's in one of two idle benches.
 */
export const DEFAULT_PUSHER_FILES = 16;
/**
 * Node's flags for a pusher process: a young generation of 1 MB. The pusher streams segments in 64 KB chunks; a
 * larger young generation only holds more garbage between scavenges (≈ 0.4 MB less peak RSS, bench/wal-push-rss.mjs).
 */
export const PUSHER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
const IDLE_MS = 1_000;
const POLL_MS = 100;
const LOG_ROTATE_BYTES = 1024 * 1024;

/** Start a detached pusher for this pg_wal unless one is already running. Returns whether one runs now. */
export async function startPusher(worker: PusherWorker, walDir: string): Promise<'started' | 'running'> {
  if ((await pidLockHolder(path.join(markersDir(walDir), PUSHER_LOCK))) !== null) return 'running';
  // Loaded only to start one: node:child_process adds ≈ 0.7 MB to the memory of every process that loads it (the pusher too).
  const { spawn } = await import('node:child_process');
  const child = spawn(worker.command, worker.args(path.resolve(walDir)), { detached: true, stdio: 'ignore', ...(worker.env ? { env: { ...process.env, ...worker.env } } : {}) });
  child.on('error', () => undefined);
  child.unref();
  return 'started';
}

/** The pusher's work: push the ready files of `walDir` without a marker until none is left for `idleMs`. */
export async function runPusher(storage: Storage, walDir: string, options: PusherOptions = {}): Promise<PusherResult> {
  const markers = markersDir(walDir);
  // Not recursive: a pusher started just before its cluster was removed must not bring pg_wal back.
  await mkdir(markers, { mode: 0o700 }).catch(() => undefined);
  const release = await acquirePidLock(path.join(markers, PUSHER_LOCK)).catch(() => null);
  if (!release) return { ran: false, stored: [], failed: [] };
  const log = pusherLog(markers);
  const result: PusherResult = { ran: true, stored: [], failed: [] };
  try {
    await log.rotate();
    await log.line('started');
    // Each file is tried once per pusher: one that failed, or that the server's own wal-push claimed, is the server's call's to push.
    const tried = new Set<string>();
    const limit = options.limit ?? DEFAULT_PUSHER_FILES;
    for (let idleSince = Date.now(); result.stored.length < limit; ) {
      const todo = await nextFiles(walDir, markers, tried);
      if (todo === null) break;
      if (todo.length === 0) {
        if (Date.now() - idleSince >= (options.idleMs ?? IDLE_MS)) break;
        await sleep(POLL_MS);
        continue;
      }
      const next = todo.slice(0, limit - result.stored.length);
      for (const name of next) tried.add(name);
      const batch = await pushReady(storage, walDir, next, options, log.line);
      result.stored.push(...batch.stored);
      result.failed.push(...batch.failed);
      idleSince = Date.now();
    }
    await log.line(`done: ${result.stored.length} stored, ${result.failed.length} failed`);
  } finally {
    await release();
  }
  return result;
}

/** Ready files not yet marked nor tried; null once the pg_wal directory is gone. */
async function nextFiles(walDir: string, markers: string, tried: Set<string>): Promise<string[] | null> {
  const ready = await readyFiles(walDir);
  if (ready === null) return null;
  await dropStale(markers, new Set(ready));
  const marked = await markedFiles(markers);
  return ready.filter((n) => !marked.has(n) && !tried.has(n));
}

/** Store one ready file and write its marker, holding its claim. */
async function pushOne(storage: Storage, walDir: string, name: string, options: WalPushOptions): Promise<'stored' | 'skipped' | { error: string }> {
  const markers = markersDir(walDir);
  const unclaim = await acquirePidLock(claimFile(markers, name));
  if (!unclaim) return 'skipped';
  try {
    if (!(await stillReady(walDir, name))) return 'skipped';
    // Already stored (by the server's own call that just returned, or before a pusher died): the server's call, if
    // it comes, compares it; a marker would need the comparison here too, for a file the server may never ask about again.
    if ((await storage.stat(walKey(parseWalName(name)!))) !== null) return 'skipped';
    const target = path.join(walDir, name);
    // The identity is taken before the push: a file changed meanwhile no longer matches its marker.
    const identity = await fileIdentity(target);
    await walPush(storage, target, options);
    await writeMarker(markers, name, identity);
    return 'stored';
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    await unclaim();
  }
}

/** Store these ready files, `concurrency` at a time, each with its marker; a file claimed by another process is skipped. */
export async function pushReady(storage: Storage, walDir: string, names: string[], options: PusherOptions = {}, say: (line: string) => Promise<void> = async () => undefined): Promise<Omit<PusherResult, 'ran'>> {
  const stored: string[] = [];
  const failed: PusherResult['failed'] = [];
  await pushAll(names, options.concurrency ?? DEFAULT_PUSH_CONCURRENCY, async (name) => {
    const outcome = await pushOne(storage, walDir, name, options);
    options.collectAll?.();
    if (outcome === 'stored') stored.push(name);
    else if (outcome !== 'skipped') failed.push({ name, error: outcome.error });
    await say(outcome === 'stored' ? `stored ${name}` : outcome === 'skipped' ? `skipped ${name} (claimed by the server's own call, no longer ready, or already stored)` : `FAILED ${name}: ${outcome.error} (no marker: the server's own call will push it)`);
  });
  return { stored, failed };
}

async function pushAll(names: string[], concurrency: number, push: (name: string) => Promise<void>): Promise<void> {
  const queue = [...names];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await push(next);
    }),
  );
}

function pusherLog(markers: string) {
  const file = path.join(markers, PUSHER_LOG);
  return {
    line: (text: string) => appendFile(file, `${new Date().toISOString()} pid ${process.pid} ${text}\n`, { mode: 0o600 }).catch(() => undefined),
    rotate: async () => {
      const size = await stat(file).then((s) => s.size, () => 0);
      if (size > LOG_ROTATE_BYTES) await rename(file, `${file}.1`).catch(() => undefined);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
