/**
 * Progress on stderr: redrawn in place on a terminal, a plain line every few
 * seconds otherwise (logs and CI stay readable). Each event kind is rendered
 * as what it measures — table data against table sizes, rows against the
 * backup's rows, stored bytes against the object's size — with rate and ETA.
 */
import type { ProgressEvent, ProgressListener } from '../index.js';
import { formatBytes, type Io } from './output.js';

const PLAIN_INTERVAL_MS = 5_000;

export function progressPrinter(io: Io): ProgressListener {
  let lastPlain = 0;
  const print = (event: ProgressEvent): void => {
    if (event.kind === 'message') {
      if (event.verbose) io.debug(event.text);
      else io.log(event.text);
      return;
    }
    const { line, final } = renderEvent(event);
    if (io.isTTY) {
      io.redraw(line, final);
      return;
    }
    const now = Date.now();
    if (final || now - lastPlain >= PLAIN_INTERVAL_MS) {
      lastPlain = now;
      io.log(line);
    }
  };
  // Plain lines come every few seconds at most: progress read from the server is polled no more often.
  return io.isTTY ? print : Object.assign(print, { everyMs: PLAIN_INTERVAL_MS });
}

export function renderEvent(event: Exclude<ProgressEvent, { kind: 'message' }>): { line: string; final: boolean } {
  switch (event.kind) {
    case 'transfer': {
      const total = event.totalBytes ? ` of ${formatBytes(event.totalBytes)} (${percent(event.bytes, event.totalBytes)})` : ` ${event.counts ?? 'stored'}`;
      // Bytes that are not flowing get no rate and no ETA: how long nothing has moved instead.
      const pace = event.stalledMs !== undefined ? `, no bytes for ${Math.round(event.stalledMs / 1000)} s` : ` at ${formatBytes(event.bytesPerSecond)}/s${eta(event.etaSeconds, event.done)}`;
      return { line: `${event.phase}: ${formatBytes(event.bytes)}${total}${pace}${event.done ? ' — done' : ''}`, final: event.done };
    }
    case 'tables': {
      const amount = event.unit === 'bytes'
        ? `${formatBytes(event.done)} of ${formatBytes(event.total)} table data`
        : `${formatCount(event.done)} of ${formatCount(event.total)} rows`;
      const rate = event.unit === 'bytes' ? `${formatBytes(event.rate)}/s` : `${formatCount(event.rate)} rows/s`;
      const current = event.current.length > 0 && !event.finished ? `, now ${event.current.slice(0, 2).join(', ')}` : '';
      return {
        line: `${event.phase}: ${amount} (${percent(event.done, event.total)}), ${event.tablesDone} of ${event.tablesTotal} tables, ${rate}${eta(event.etaSeconds, event.finished)}${current}${event.finished ? ' — done' : ''}`,
        final: event.finished,
      };
    }
    case 'index':
      return { line: `index ${event.index} on ${event.table}: ${event.phase}${event.blocksTotal > 0 ? ` (${percent(event.blocksDone, event.blocksTotal)})` : ''}`, final: false };
  }
}

function percent(done: number, total: number): string {
  return total > 0 ? `${Math.min(100, Math.floor((done * 100) / total))}%` : '100%';
}

function eta(seconds: number | null, done: boolean): string {
  if (done || seconds === null) return '';
  return seconds < 90 ? `, ETA ${seconds} s` : `, ETA ${Math.round(seconds / 60)} min`;
}

/** 1234567 → "1.2 M". */
function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)} k`;
  return String(Math.round(n));
}
