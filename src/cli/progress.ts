/**
 * Transfer progress on stderr: redrawn in place on a terminal, a plain line
 * every few seconds otherwise (logs and CI stay readable).
 */
import type { ProgressListener } from '../index.js';
import { formatBytes, type Io } from './output.js';

const PLAIN_INTERVAL_MS = 5_000;

export function progressPrinter(io: Io, write: (text: string) => void = (t) => void process.stderr.write(t)): ProgressListener {
  let lastPlain = 0;
  return (p) => {
    const total = p.totalBytes ? ` of ~${formatBytes(p.totalBytes)}` : '';
    const line = `${p.phase}: ${formatBytes(p.bytes)}${total} at ${formatBytes(p.bytesPerSecond)}/s${p.done ? ' — done' : ''}`;
    if (io.isTTY) {
      write(`\r\x1b[2K${line}${p.done ? '\n' : ''}`);
      return;
    }
    const now = Date.now();
    if (p.done || now - lastPlain >= PLAIN_INTERVAL_MS) {
      lastPlain = now;
      io.log(line);
    }
  };
}
