/**
 * WAL staged ahead of replay. During recovery the restore run stays alive
 * and fetches the segments the server will ask for next — downloaded,
 * decrypted, decompressed and checked against their sha256 by a few workers
 * in parallel — into a spool inside the copy (pg_wal/dbrollback-staged), so
 * restore_command only has to move a staged file into place: a shell `mv`,
 * not a Node start-up and a download per 16 MB segment, which is what made
 * replay wait. Anything not staged (a timeline history file the server
 * probes, the end of the archive, a segment the workers have not reached)
 * falls through to `dbrollback wal-fetch` exactly as before.
 *
 * Bounded: at most `ahead` segments past the last one the server restored
 * are ever in the spool (and in flight), so the spool never holds more than
 * ahead × the segment size. Only complete, checked files appear under a
 * segment's name (fetchInto renames a temp file), owned by the server's OS
 * user. The spool is removed when staging stops — at the end of recovery,
 * on failure and on a stop signal alike.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, chown, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectInfo, Storage } from '../../storage/contract.js';
import { isDbrollbackError } from '../../errors.js';
import { fetchInto } from '../wal/fetch-into.js';
import { parseWalName, segmentName, segmentNumber, timelineHex, walNameOfKey, type WalFileName } from '../wal/layout.js';
import { timelineOfSegment, type TimelineSpan } from '../wal/timeline-history.js';
import type { TimelineStretch } from './timeline-path.js';

/** The spool, relative to the data directory (restore_command runs there). */
export const STAGED_DIR = path.join('pg_wal', 'dbrollback-staged');

/** Beside a file being staged: restore_command waits for the file instead of fetching it too. */
export const IN_FLIGHT_SUFFIX = '.staging';
/** How long restore_command waits for a file in flight before fetching it itself (a stager killed mid-fetch leaves its marker). */
export const IN_FLIGHT_WAIT_SECONDS = 10;
/**
 * In a copied-out spool while staging runs, one name a line: every file the stager will stage. A restore_command
 * with no fetch of its own waits for a file listed here; the list is removed the moment staging stops (done or
 * failed), so nothing waits for a file that will not come.
 */
export const PLANNED_LIST = '.planned';
/**
 * Beside a segment the server moved out of the spool, a hard link to the file it took: at the end of recovery
 * the server asks for its last segment once more (to start the new timeline from it), and restore_command then
 * copies it from here instead of fetching it again. The stager keeps only the newest one.
 */
export const TAKEN_SUFFIX = '.taken';
/**
 * A file the server asked for that is not staged (a timeline history file it probes for, the segment past the
 * end of the archive, one archived after the run listed the archive): restore_command leaves NAME.wanted in the
 * spool, and the running stager fetches it from the storage at once — into the spool, or, when the archive does
 * not hold it, NAME.absent (restore_command then exits 1: "not in the archive"); NAME.failed for any other
 * failure, and restore_command runs wal-fetch, which says what is wrong in the server's log. The answer is the
 * storage's at the moment of asking, as wal-fetch's would be, without a Node start-up per request.
 */
export const WANTED_SUFFIX = '.wanted';
export const ABSENT_SUFFIX = '.absent';
export const FAILED_SUFFIX = '.failed';

/** pgBackRest's archive-get-queue-max default: 128 MB of WAL ahead of the server. */
const QUEUE_BYTES = 128 * 1024 * 1024;
/** Parallel fetches: the host of a restore is often small (2 cores); zlib and the download overlap across them. */
export const DEFAULT_STAGING_WORKERS = 3;

export interface StagingOptions {
  storage: Storage;
  dataDir: string;
  /** The `wal/` listing the chain was checked on. */
  listing: readonly ObjectInfo[];
  /** The timeline path recovery follows, and the first segment it needs (the base backup's start WAL). */
  timelines: readonly TimelineStretch[];
  fromSegment: string;
  segmentSize: number;
  /** Segments kept ahead of the server (default: 128 MB worth). */
  ahead?: number;
  workers?: number;
  /** uid/gid of the server's OS user, when it is not ours. */
  owner?: readonly [number, number];
  /** Where to stage (default: STAGED_DIR inside the data directory). */
  spoolDir?: string;
  /**
   * restore_command copies staged files out instead of moving them (a container's server, whose OS user cannot
   * write the spool): files are readable by any user, the planned files are listed in PLANNED_LIST, and one
   * counts as taken once the server's log says it restored it (`consumed`); the newest taken one stays (the
   * server asks for it again at the end of recovery), older ones are removed.
   */
  copiedOut?: boolean;
}

export interface StagingReport {
  /** Files put into the spool. */
  staged: number;
  /** Of those, the ones the server took (moved into pg_wal itself). */
  takenByServer: number;
  /** The segments the archive holds on the recovery path from the base backup. */
  planned: number;
  ahead: number;
  workers: number;
  /** Why staging stopped before the end of its plan, when it did (recovery then fetched the rest through wal-fetch). */
  problem: string | null;
}

/** The segments recovery will ask for, in order, from the archive listing along the timeline path. */
export function stagingPlan(listing: readonly ObjectInfo[], timelines: readonly TimelineStretch[], fromSegment: string, segmentSize: number): WalFileName[] {
  const archived = new Set<string>();
  for (const object of listing) {
    const file = walNameOfKey(object.key);
    if (file?.kind === 'segment') archived.add(file.name);
  }
  const spans: TimelineSpan[] = timelines.map((t) => ({ timeline: timelineHex(t.timeline), begin: t.begin }));
  const plan: WalFileName[] = [];
  for (let n = segmentNumber(fromSegment, segmentSize); ; n++) {
    const timeline = timelineOfSegment(spans, n, segmentSize);
    const name = segmentName(timeline, n, segmentSize);
    if (!archived.has(name)) break;
    plan.push({ name, kind: 'segment', timeline, segment: name });
  }
  // The newest timeline's history file is the first thing recovery on it reads.
  const newest = timelines.at(-1)?.timeline ?? 1;
  if (newest > 1) {
    const tli = timelineHex(newest);
    const history = `${tli}.history`;
    if (listing.some((o) => walNameOfKey(o.key)?.name === history)) plan.unshift({ name: history, kind: 'history', timeline: tli });
  }
  return plan;
}

/** A running stager; `consumed` tells it what the server restored (from its log), `stop` ends it and removes the spool. */
export class WalStager {
  readonly spoolDir: string;
  private readonly plan: WalFileName[];
  private readonly ahead: number;
  private readonly workers: number;
  private readonly segmentSize: number;
  /** Segment number of the newest segment the server has restored (staging runs up to progress + ahead). */
  private progress: bigint;
  private next = 0;
  private stopped = false;
  private problem: string | null = null;
  private readonly staged = new Set<string>();
  private readonly discarded = new Set<string>();
  private readonly taken = new Set<string>();
  private waiters: Array<() => void> = [];
  private readonly answering = new Map<string, Promise<void>>();
  private running: Promise<void>[] = [];
  private watcher: FSWatcher | undefined;

  private constructor(private readonly options: StagingOptions) {
    this.spoolDir = options.spoolDir ?? path.join(options.dataDir, STAGED_DIR);
    this.segmentSize = options.segmentSize;
    this.plan = stagingPlan(options.listing, options.timelines, options.fromSegment, options.segmentSize);
    this.ahead = options.ahead ?? Math.max(2, Math.floor(QUEUE_BYTES / options.segmentSize));
    this.workers = options.workers ?? DEFAULT_STAGING_WORKERS;
    this.progress = segmentNumber(options.fromSegment, options.segmentSize) - 1n;
  }

  /** Make the spool (owned by the server's user: its restore_command moves files out of it) and start the workers. */
  static async start(options: StagingOptions): Promise<WalStager> {
    const stager = new WalStager(options);
    await mkdir(stager.spoolDir, { recursive: true, mode: options.copiedOut ? 0o755 : 0o700 });
    if (options.owner) await chown(stager.spoolDir, ...options.owner);
    if (options.copiedOut) await writeFile(path.join(stager.spoolDir, PLANNED_LIST), stager.plan.map((f) => `${f.name}\n`).join(''), { mode: 0o644 });
    // A file moved out by the server wakes the workers at once (the window moves on); a file it wants is fetched.
    stager.watcher = watch(stager.spoolDir, (_event, entry) => {
      stager.wake();
      if (typeof entry === 'string' && entry.endsWith(WANTED_SUFFIX)) stager.answer(entry.slice(0, -WANTED_SUFFIX.length));
    });
    stager.watcher.on('error', () => undefined);
    stager.running = Array.from({ length: Math.min(stager.workers, stager.plan.length) }, () => stager.work());
    return stager;
  }

  /** The server restored this file (its log says so): the window moves past it, and a staged copy it did not take is dropped. */
  consumed(name: string): void {
    const file = parseWalName(name);
    if (this.options.copiedOut && this.staged.has(name) && !this.discarded.has(name)) this.taken.add(name);
    if (file?.kind !== 'segment') return;
    const n = segmentNumber(file.name, this.segmentSize);
    if (n > this.progress) this.progress = n;
    this.wake();
  }

  /** Stop the workers (each finishes the file in hand), count what the server took, remove the spool. */
  async stop(): Promise<StagingReport> {
    this.stopped = true;
    await unlink(path.join(this.spoolDir, PLANNED_LIST)).catch(() => undefined);
    this.wake();
    this.watcher?.close();
    await Promise.all([...this.running, ...this.answering.values()]);
    await this.noticeTaken();
    // The server may still drop a file in (a restore_command asking NAME.wanted while the run stops): ENOTEMPTY is retried.
    await rm(this.spoolDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    return {
      staged: this.staged.size,
      takenByServer: this.taken.size,
      planned: this.plan.filter((f) => f.kind === 'segment').length,
      ahead: this.ahead,
      workers: this.workers,
      problem: this.problem,
    };
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.next < this.plan.length) {
      const file = this.plan[this.next]!;
      const n = file.kind === 'segment' ? segmentNumber(file.name, this.segmentSize) : this.progress;
      if (n > this.progress + BigInt(this.ahead)) {
        await this.noticeTaken();
        if (n > this.progress + BigInt(this.ahead)) await this.sleep(200);
        continue;
      }
      this.next += 1;
      // Already replayed (the server fetched it itself while the workers were behind).
      if (file.kind === 'segment' && n <= this.progress) continue;
      const dest = path.join(this.spoolDir, file.name);
      // While it is on its way, restore_command waits for it rather than fetch it a second time itself.
      const marker = `${dest}${IN_FLIGHT_SUFFIX}`;
      try {
        await writeFile(marker, '', { mode: 0o644 });
        await fetchInto(this.options.storage, file, dest, { ...(this.options.owner ? { owner: this.options.owner } : {}), ...(this.options.copiedOut ? { mode: 0o644 } : {}) });
        this.staged.add(file.name);
      } catch (err) {
        await unlink(marker).catch(() => undefined);
        // The server's own wal-fetch will meet the same object and say what is wrong with it in its log; recovery goes on without the spool.
        if (!this.stopped) this.problem ??= `staging ${file.name} failed: ${err instanceof Error ? err.message : String(err)}`;
        this.stopped = true;
        // restore_command waits for no planned file any more: it fetches the rest itself (or, with no fallback, fails recovery and says so).
        await unlink(path.join(this.spoolDir, PLANNED_LIST)).catch(() => undefined);
        this.wake();
        return;
      }
      await unlink(marker).catch(() => undefined);
      if (file.kind === 'segment' && n <= this.progress) await this.discard(file.name);
    }
  }

  /** The server wants `name` (NAME.wanted): fetch it into the spool now, or say it is absent or could not be fetched. */
  private answer(name: string): void {
    const file = parseWalName(name);
    if (!file || this.stopped || this.options.copiedOut || this.answering.has(name)) return;
    const dest = path.join(this.spoolDir, name);
    const job = (async () => {
      // A late event for a request already answered (restore_command removes NAME.wanted once it has its answer).
      if (!(await stat(`${dest}${WANTED_SUFFIX}`).then(() => true, () => false))) return;
      const owner = this.options.owner ? { owner: this.options.owner } : {};
      try {
        await fetchInto(this.options.storage, file, dest, owner);
        this.staged.add(name);
      } catch (err) {
        const answer = `${dest}${isDbrollbackError(err) && err.code === 'WAL_NOT_FOUND' ? ABSENT_SUFFIX : FAILED_SUFFIX}`;
        await writeFile(answer, '', { mode: 0o644 }).catch(() => undefined);
        if (this.options.owner) await chown(answer, ...this.options.owner).catch(() => undefined);
      }
    })().finally(() => this.answering.delete(name));
    this.answering.set(name, job);
  }

  /** Staged files gone from the spool were moved out by the server: it has reached them. */
  private async noticeTaken(): Promise<void> {
    // Copied out, a staged file stays where it was: the server's log (consumed) says when it was taken.
    for (const name of this.options.copiedOut ? [] : this.staged) {
      if (this.taken.has(name) || this.discarded.has(name)) continue;
      const present = await stat(path.join(this.spoolDir, name)).then(() => true, () => false);
      if (present) continue;
      this.taken.add(name);
      const file = parseWalName(name);
      if (file?.kind === 'segment') {
        const n = segmentNumber(name, this.segmentSize);
        if (n > this.progress) this.progress = n;
      }
    }
    // Staged segments the server is already past (it fetched them itself, or copied them out) would only fill the
    // spool; the newest one it took stays, for its second request at the end of recovery.
    for (const entry of await readdir(this.spoolDir).catch(() => [] as string[])) {
      const name = entry.endsWith(TAKEN_SUFFIX) ? entry.slice(0, -TAKEN_SUFFIX.length) : entry;
      const file = parseWalName(name);
      if (file?.kind !== 'segment' || !this.staged.has(name)) continue;
      const n = segmentNumber(name, this.segmentSize);
      const kept = entry !== name || (this.options.copiedOut === true && this.taken.has(name));
      if (n < this.progress || (n === this.progress && !kept)) await this.discard(entry);
    }
  }

  private async discard(name: string): Promise<void> {
    if (!this.taken.has(name)) this.discarded.add(name);
    await unlink(path.join(this.spoolDir, name)).catch(() => undefined);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
