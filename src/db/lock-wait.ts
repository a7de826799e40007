/**
 * DDL that waits for its locks only briefly. An ALTER queued behind a long
 * transaction makes every later query on that table queue behind the ALTER:
 * the application stalls while the down merely waits. So downs (and ups)
 * run under `lock_timeout`; a timed-out attempt that changed nothing is tried
 * again after a back-off, and when the attempts run out the error names the
 * session in the way, seen through pg_blocking_pids() while we waited.
 */
import { describeBlocker, type BlockingSession } from './blockers.js';
import { DbrollbackError, isDbrollbackError } from '../errors.js';

export interface LockRetryOptions {
  lockTimeoutMs: number;
  /** Attempts in all (default 3). */
  attempts?: number;
  /** Wait before the second attempt; doubled each time (default the lock timeout, at most 1 s). */
  backoffMs?: number;
  /** Who blocks our waiting backend right now (polled while an attempt runs). */
  blockers?: () => Promise<BlockingSession[]>;
  /** Whether a failed attempt left the database as it found it (only then is it tried again). */
  unchanged: (err: unknown) => boolean;
  /** What is being run, for the message ("the down migrations"). */
  what: string;
  onRetry?: (line: string) => void;
}

export async function withLockRetries<T>(run: () => Promise<T>, options: LockRetryOptions): Promise<T> {
  const attempts = options.attempts ?? 3;
  let backoff = options.backoffMs ?? Math.min(1000, options.lockTimeoutMs);
  let seen: BlockingSession[] = [];
  for (let attempt = 1; ; attempt++) {
    const watching = watch(options.blockers, Math.max(20, Math.min(250, options.lockTimeoutMs / 4)), (b) => (seen = b));
    try {
      return await run();
    } catch (err) {
      if (!isLockTimeout(err) || !options.unchanged(err)) throw err;
      if (attempt >= attempts) throw gaveUp(options, attempts, seen, err);
      options.onRetry?.(`${options.what}: lock not granted within ${options.lockTimeoutMs} ms (attempt ${attempt} of ${attempts}${seen.length ? `; blocked by ${seen.map((b) => `pid ${b.pid}`).join(', ')}` : ''}); trying again in ${backoff} ms`);
      await sleep(backoff);
      backoff *= 2;
    } finally {
      await watching.stop();
    }
  }
}

/** Poll `blockers` until stopped, reporting every non-empty answer. */
function watch(blockers: (() => Promise<BlockingSession[]>) | undefined, everyMs: number, onSeen: (b: BlockingSession[]) => void): { stop(): Promise<void> } {
  if (!blockers) return { stop: async () => undefined };
  let stopped = false;
  // The wait between polls ends at once on stop: a down that got its lock at once must not wait for the next poll.
  let wake: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const pause = () => new Promise<void>((resolve) => {
    wake = resolve;
    timer = setTimeout(resolve, everyMs);
  });
  const loop = (async () => {
    while (!stopped) {
      await pause();
      if (stopped) break;
      const found = await blockers().catch(() => []);
      if (found.length > 0) onSeen(found);
    }
  })();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake();
      await loop;
    },
  };
}

export function isLockTimeout(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && depth < 6; depth++) {
    if (isDbrollbackError(current) && current.pg?.code === '55P03') return true;
    if ((current as { code?: unknown }).code === '55P03') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function gaveUp(options: LockRetryOptions, attempts: number, blockers: BlockingSession[], cause: unknown): DbrollbackError {
  const who = blockers.length > 0 ? `Blocked by ${blockers.map(describeBlocker).join('; ')}.` : 'The blocking session ended before it could be named.';
  const first = blockers[0];
  return new DbrollbackError('LOCK_TIMEOUT', `gave up after ${attempts} attempts: ${options.what} waited longer than lock_timeout (${options.lockTimeoutMs} ms) for a lock each time, and changed nothing. ${who}`, {
    hint: first
      ? `Let that session finish, or end it (SELECT pg_terminate_backend(${first.pid})), then run the command again; --lock-timeout sets how long each attempt may wait.`
      : 'Find long transactions in pg_stat_activity, then run the command again; --lock-timeout sets how long each attempt may wait.',
    cause,
    details: { blockers, lockTimeoutMs: options.lockTimeoutMs, attempts },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Session-level lock_timeout on a connection of the run's own (a no-op when not set). */
export async function setLockTimeout(db: { query(sql: string): Promise<unknown> }, lockTimeoutMs: number | undefined): Promise<void> {
  if (lockTimeoutMs === undefined) return;
  await db.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
}

/**
 * For a migration tool that opens its own connections (umzug): node-postgres
 * reads PGOPTIONS when connecting, so connections opened while `fn` runs
 * start with the lock_timeout too.
 */
export async function withPgOptionsLockTimeout<T>(lockTimeoutMs: number | undefined, fn: () => Promise<T>): Promise<T> {
  if (lockTimeoutMs === undefined) return fn();
  const before = process.env.PGOPTIONS;
  process.env.PGOPTIONS = `${before ? `${before} ` : ''}-c lock_timeout=${Math.max(1, Math.floor(lockTimeoutMs))}`;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.PGOPTIONS;
    else process.env.PGOPTIONS = before;
  }
}
