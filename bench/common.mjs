/** What every benchmark script shares: paths, flags, timing and medians. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const cliMain = path.join(root, 'dist', 'cli', 'main.js');

const args = process.argv.slice(2);

/** A numeric `--name N` flag, or the default. */
export function flag(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

export const hasFlag = (name) => args.includes(name);

export const log = (line) => process.stderr.write(`${line}\n`);

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const seconds = (ms) => (ms / 1000).toFixed(2);

/** Wall time of `fn` in ms, and what it returned. */
export async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}
