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

export type ProgressListener = (event: ProgressEvent) => void;

/** Seconds left at the average rate so far, or null when it cannot be told. */
export function etaSeconds(done: number, total: number | null, elapsedMs: number): number | null {
  if (total === null || total <= 0 || done <= 0 || elapsedMs <= 0) return null;
  if (done >= total) return 0;
  return Math.round(((total - done) * elapsedMs) / done / 1000);
}

/** Reports a transfer at most every `intervalMs`, plus a final event from `finish()`. */
export function transferMeter(
  phase: TransferPhase,
  totalBytes: number | null,
  listener: ProgressListener | undefined,
  intervalMs = 250,
): { update(bytes: number): void; finish(bytes: number): void } {
  const started = Date.now();
  let last = 0;
  const report = (bytes: number, done: boolean) => {
    const elapsedMs = Date.now() - started;
    listener?.({
      kind: 'transfer',
      phase,
      bytes,
      totalBytes,
      elapsedMs,
      bytesPerSecond: elapsedMs > 0 ? (bytes * 1000) / elapsedMs : 0,
      etaSeconds: done ? 0 : etaSeconds(bytes, totalBytes, elapsedMs),
      done,
    });
  };
  return {
    update(bytes) {
      if (!listener) return;
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      report(bytes, false);
    },
    finish(bytes) {
      report(bytes, true);
    },
  };
}
