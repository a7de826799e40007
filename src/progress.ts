/**
 * Progress as data: one typed event union for every long operation, which
 * the CLI renders (redrawn on a terminal, plain lines otherwise). Each event
 * compares like with like — table data read against table sizes, rows loaded
 * against the rows the backup holds, stored bytes against the object's size —
 * with a rate and an ETA where the total is known.
 */

export type TransferPhase = 'readback' | 'download' | 'upload';

/** Bytes of one stored object moved (read back, downloaded), against its size. */
export interface TransferEvent {
  kind: 'transfer';
  phase: TransferPhase;
  bytes: number;
  totalBytes: number | null;
  elapsedMs: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  done: boolean;
  /** How long no byte has moved, when that is long enough to say so (then there is no ETA). */
  stalledMs?: number;
  /** What the bytes are, shown when there is no total: `stored` (the default) or `read` (a base backup's tar, before compression). */
  counts?: 'stored' | 'read';
}

/**
 * Table data: during a backup, bytes of table data pg_dump has read against
 * the tables' sizes (pg_stat_progress_copy, COPY TO); during a restore, rows
 * loaded against the rows the backup holds (pg_stat_progress_copy, COPY FROM).
 */
export interface TablesEvent {
  kind: 'tables';
  phase: 'dump' | 'restore';
  unit: 'bytes' | 'rows';
  done: number;
  total: number;
  tablesDone: number;
  tablesTotal: number;
  /** Tables being copied right now (schema.table). */
  current: string[];
  elapsedMs: number;
  /** Units per second since the phase started. */
  rate: number;
  etaSeconds: number | null;
  finished: boolean;
}

/** An index build of a restore (pg_stat_progress_create_index). */
export interface IndexEvent {
  kind: 'index';
  table: string;
  index: string;
  /** PostgreSQL's own phase name ("building index: scanning table", ...). */
  phase: string;
  blocksDone: number;
  blocksTotal: number;
}

/** A line of progress from a step that has no measurable total (a verify check finished, a file classified). */
export interface MessageEvent {
  kind: 'message';
  text: string;
  /** Detail a person asks for (--verbose), not shown by default. */
  verbose?: boolean;
}

export type ProgressEvent = TransferEvent | TablesEvent | IndexEvent | MessageEvent;

/**
 * Receives progress. `everyMs`, when set, is how often at most the listener shows anything (a log line every few
 * seconds): a step that polls the server for progress need not poll more often than that.
 */
export type ProgressListener = ((event: ProgressEvent) => void) & { readonly everyMs?: number };

/** Seconds left at the average rate so far, or null when it cannot be told. */
export function etaSeconds(done: number, total: number | null, elapsedMs: number): number | null {
  if (total === null || total <= 0 || done <= 0 || elapsedMs <= 0) return null;
  if (done >= total) return 0;
  return Math.round(((total - done) * elapsedMs) / done / 1000);
}

/** How long without a byte before a transfer is "not flowing" (no rate, no ETA). */
export const STALL_MS = 5_000;
/** The rate (and so the ETA) is that of the last this-many milliseconds, not the average since the start. */
const RATE_WINDOW_MS = 10_000;

export interface TransferMeter {
  update(bytes: number): void;
  finish(bytes: number): void;
  /** Stop reporting (the transfer failed or was abandoned); finish() does it too. */
  stop(): void;
}

/**
 * Reports a transfer at most every `intervalMs`, plus a final event from
 * `finish()`. Rate and ETA come from the bytes of the last few seconds, so a
 * transfer that slows down or stops does not keep claiming the ETA of its
 * start. With `watchStalls`, a transfer that has moved no byte for STALL_MS
 * is reported as stalled (no ETA) every few seconds until bytes flow again or
 * it ends — for transfers that can wait on something else (a server waiting
 * for its archiver, pg_dump waiting for a lock); the caller must then stop()
 * it on every path. With `totalIsEstimate`, a total the bytes outgrow is
 * dropped from the events (a base backup's size is only estimated).
 */
export function transferMeter(
  phase: TransferPhase,
  totalBytes: number | null,
  listener: ProgressListener | undefined,
  options: { intervalMs?: number; watchStalls?: boolean; totalIsEstimate?: boolean; counts?: 'stored' | 'read' } = {},
): TransferMeter {
  const intervalMs = options.intervalMs ?? 250;
  const started = Date.now();
  let last = 0;
  let current = 0;
  let movedAt = started;
  const samples: Array<{ at: number; bytes: number }> = [{ at: started, bytes: 0 }];
  const report = (bytes: number, done: boolean) => {
    const now = Date.now();
    // An estimate the bytes have outgrown is no total at all: report the bytes alone (no percentage, no ETA).
    const total = options.totalIsEstimate && totalBytes !== null && bytes > totalBytes ? null : totalBytes;
    const elapsedMs = now - started;
    while (samples.length > 1 && now - samples[1]!.at >= RATE_WINDOW_MS) samples.shift();
    const oldest = samples[0]!;
    const stalledMs = now - movedAt;
    const stalled = !done && stalledMs >= STALL_MS;
    const windowMs = now - oldest.at;
    const bytesPerSecond = stalled ? 0 : windowMs > 0 ? ((bytes - oldest.bytes) * 1000) / windowMs : 0;
    let eta: number | null = null;
    if (done) eta = 0;
    else if (!stalled && total !== null && total > 0 && bytesPerSecond > 0) eta = bytes >= total ? 0 : Math.round((total - bytes) / bytesPerSecond);
    listener?.({ kind: 'transfer', phase, bytes, totalBytes: total, elapsedMs, bytesPerSecond, etaSeconds: eta, done, ...(stalled ? { stalledMs } : {}), ...(options.counts ? { counts: options.counts } : {}) });
  };
  const heartbeat = options.watchStalls && listener
    ? setInterval(() => {
        if (Date.now() - movedAt >= STALL_MS) report(current, false);
      }, STALL_MS)
    : undefined;
  heartbeat?.unref();
  const stop = () => {
    if (heartbeat) clearInterval(heartbeat);
  };
  return {
    update(bytes) {
      const now = Date.now();
      if (bytes !== current) {
        current = bytes;
        movedAt = now;
        samples.push({ at: now, bytes });
      }
      if (!listener || now - last < intervalMs) return;
      last = now;
      report(bytes, false);
    },
    finish(bytes) {
      stop();
      report(bytes, true);
    },
    stop,
  };
}
