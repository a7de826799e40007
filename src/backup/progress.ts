/**
 * Progress of long transfers (dump upload, read-back, download, restore) as
 * data: the library reports bytes and rate; the CLI decides how to show them.
 */
export type TransferPhase = 'dump' | 'readback' | 'download' | 'restore' | 'basebackup';

export interface TransferProgress {
  phase: TransferPhase;
  bytes: number;
  /** Known or estimated total (null when unknown). */
  totalBytes: number | null;
  elapsedMs: number;
  /** Average rate since the phase started. */
  bytesPerSecond: number;
  /** True on the last report of a phase. */
  done: boolean;
}

export type ProgressListener = (progress: TransferProgress) => void;

/** Reports at most every `intervalMs`, plus a final one from `finish()`. */
export function progressMeter(
  phase: TransferPhase,
  totalBytes: number | null,
  listener: ProgressListener | undefined,
  intervalMs = 250,
): { update(bytes: number): void; finish(bytes: number): void } {
  const started = Date.now();
  let last = 0;
  const report = (bytes: number, done: boolean) => {
    const elapsedMs = Date.now() - started;
    listener?.({ phase, bytes, totalBytes, elapsedMs, bytesPerSecond: elapsedMs > 0 ? (bytes * 1000) / elapsedMs : 0, done });
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
