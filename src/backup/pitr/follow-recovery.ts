/**
 * Follow a server through archive recovery until it promotes at the target:
 * its log tells which segments it fetched and where it stopped, a connection
 * (once the copy is consistent and accepts read-only sessions) tells how far
 * replay has got. A server that exits instead of promoting has failed, and
 * its own FATAL line says why — the one that matters most being "recovery
 * ended before configured recovery target was reached" (the WAL ran out).
 */
import { stoppedInside } from '../../audit/checklist.js';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { connect, type Db } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import type { RecoveryTarget } from './target.js';

export interface RecoveryProgress {
  segmentsFetched: number;
  /** Last replayed WAL position (null until the copy accepts connections). */
  replayLsn: string | null;
  /** Commit time of the last replayed transaction. */
  replayTime: string | null;
  target: string;
  elapsedMs: number;
}

export interface FollowOptions {
  dataDir: string;
  logFile: string;
  /** How to reach the copy (loopback, its port, the production credentials it was restored with). */
  conn: ConnInfo;
  target: RecoveryTarget;
  /** Give up (and say so) after this long; default: no limit, recovery of a big archive takes as long as it takes. */
  timeoutSeconds?: number;
  pollMs?: number;
  onProgress?: (progress: RecoveryProgress) => void;
  /** Each WAL file the server says it restored from the archive, as the log shows it. */
  onRestored?: (name: string) => void;
  /** Aborted (SIGINT/SIGTERM): stop following and end the step INTERRUPTED / TERMINATED (the caller stops the server). */
  signal?: AbortSignal | undefined;
}

export interface RecoveryOutcome {
  /** PostgreSQL's own line saying where it stopped ("recovery stopping before commit of transaction …"). */
  stoppedAt: string | null;
  /** The timeline the promoted copy writes on. */
  newTimeline: number | null;
  segmentsFetched: number;
  replayLsn: string | null;
  durationMs: number;
}

const NOT_REACHED = 'recovery ended before configured recovery target was reached';

export async function followRecovery(options: FollowOptions): Promise<RecoveryOutcome> {
  const started = performance.now();
  const log = new LogFollower(options.logFile, options.onRestored);
  const pollMs = options.pollMs ?? 250;
  let db: Db | undefined;
  let pidSeen = false;
  let lastReport = 0;
  let replayLsn: string | null = null;
  let replayTime: string | null = null;
  try {
    for (;;) {
      await log.read();
      const alive = await postmasterAlive(options.dataDir);
      pidSeen ||= alive;
      if (!alive && (pidSeen || log.fatal.length > 0 || performance.now() - started > 15_000)) {
        await log.read();
        throw serverExited(log, options);
      }
      if (alive && !db) db = await connect(options.conn, { connectTimeoutSeconds: 5 }).catch(() => undefined);
      if (db) {
        const row = await db
          .query<{ recovering: boolean; lsn: string | null; time: Date | null }>('SELECT pg_is_in_recovery() AS recovering, pg_last_wal_replay_lsn()::text AS lsn, pg_last_xact_replay_timestamp() AS time')
          .then((r) => r.rows[0])
          .catch(async () => {
            // The session was lost (the server is stopping): reconnect next round, or notice it exited.
            await db?.end().catch(() => undefined);
            db = undefined;
            return undefined;
          });
        if (row) {
          replayLsn = row.lsn ?? replayLsn;
          replayTime = row.time ? row.time.toISOString() : replayTime;
          if (!row.recovering) log.promoted = true;
        }
      }
      if (log.promoted) {
        await log.read();
        return { stoppedAt: log.stoppedAt, newTimeline: log.newTimeline, segmentsFetched: log.segments, replayLsn, durationMs: Math.round(performance.now() - started) };
      }
      const now = performance.now();
      if (options.onProgress && now - lastReport >= 1000) {
        lastReport = now;
        options.onProgress({ segmentsFetched: log.segments, replayLsn, replayTime, target: options.target.display, elapsedMs: Math.round(now - started) });
      }
      if (options.timeoutSeconds !== undefined && now - started > options.timeoutSeconds * 1000) {
        throw new DbrollbackError('TIMEOUT', `recovery did not reach ${options.target.display} within ${options.timeoutSeconds} s (replayed to ${replayLsn ?? 'an unknown position'}, ${log.segments} segments fetched)`, {
          hint: `The server is still recovering in ${options.dataDir}; its log is ${options.logFile}.`,
        });
      }
      if (options.signal?.aborted) throw stoppedInside(options.signal.reason, 'recover', `replayed to ${replayLsn ?? 'an unknown position'}, ${log.segments} WAL segments fetched; not at ${options.target.display}`);
      await sleep(pollMs, options.signal);
    }
  } finally {
    await db?.end().catch(() => undefined);
  }
}

function serverExited(log: LogFollower, options: FollowOptions): DbrollbackError {
  const where = `after fetching ${log.segments} WAL segment${log.segments === 1 ? '' : 's'}`;
  if (log.fatal.some((l) => l.includes(NOT_REACHED))) {
    return new DbrollbackError('RECOVERY_FAILED', `${NOT_REACHED}: the WAL in the archive ends before ${options.target.display} (${where}${log.lastRestored ? `, the last one ${log.lastRestored}` : ''})`, {
      hint: `The server stopped; ${options.dataDir} holds a copy that is NOT at the target — remove it. ${
        options.target.kind === 'name'
          ? 'The restore point may be older than the base backup used: pass --backup ID with an older base backup (`dbrollback backups`).'
          : 'Choose an earlier target, or check the archive with `dbrollback backups --check`.'
      } Server log: ${options.logFile}.`,
      details: { segmentsFetched: log.segments, lastSegment: log.lastRestored },
    });
  }
  const reason = log.fatal.length > 0 ? log.fatal.slice(-3).join(' | ') : log.tail(5).join(' | ') || 'no log output';
  return new DbrollbackError('RECOVERY_FAILED', `the restored server stopped during recovery ${where}: ${reason}`, {
    hint: `${options.dataDir} holds a copy that is NOT at the target — remove it before trying again. Server log: ${options.logFile}.`,
    details: { segmentsFetched: log.segments, lastSegment: log.lastRestored },
  });
}

/** Is a server running on this data directory (its postmaster.pid names a live process)? */
export async function postmasterAlive(dataDir: string): Promise<boolean> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = Number(text?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists and is not ours to signal (another user's postmaster).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads what the server appended to its log since the last call, and keeps what recovery needs from it. */
class LogFollower {
  segments = 0;
  lastRestored: string | null = null;
  stoppedAt: string | null = null;
  newTimeline: number | null = null;
  promoted = false;
  readonly fatal: string[] = [];
  private offset = 0;
  private partial = '';
  private readonly recent: string[] = [];

  constructor(
    private readonly file: string,
    private readonly onRestored?: (name: string) => void,
  ) {}

  async read(): Promise<void> {
    const handle = await open(this.file, 'r').catch(() => null);
    if (!handle) return;
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    } finally {
      await handle.close();
    }
  }

  tail(n: number): string[] {
    return this.recent.slice(-n);
  }

  private take(line: string): void {
    this.recent.push(line);
    if (this.recent.length > 50) this.recent.shift();
    const restored = /restored log file "([0-9A-F]{24})" from archive/.exec(line);
    if (restored) {
      this.segments += 1;
      this.lastRestored = restored[1]!;
      this.onRestored?.(restored[1]!);
    }
    if (/recovery stopping (before|after)/.test(line)) this.stoppedAt = line.replace(/^.*?LOG:\s*/, '');
    const timeline = /selected new timeline ID: (\d+)/.exec(line);
    if (timeline) this.newTimeline = Number(timeline[1]);
    // After promotion (before it, a hot standby says "ready to accept read-only connections").
    if (/database system is ready to accept connections/.test(line)) this.promoted = true;
    // Our own connection attempts while the copy is not yet consistent are refused with FATALs that say nothing about recovery.
    if (/database system is (starting up|not yet accepting connections|shutting down)/.test(line)) return;
    if (/\b(FATAL|PANIC):/.test(line)) this.fatal.push(line.replace(/^.*?(FATAL|PANIC):\s*/, '$1: '));
  }
}

/** Wait `ms`, or less when the signal is aborted meanwhile. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
