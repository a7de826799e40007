/** One step of a down run, announced (onStep) and timed into `durations` whether it succeeds or throws. */
import type { RunDownOptions } from './contract.js';

export async function timedStep(durations: Map<string, number>, name: string, options: RunDownOptions, fn: () => Promise<void>): Promise<void> {
  options.onStep?.(name);
  const start = Date.now();
  try {
    await fn();
  } finally {
    durations.set(name, Date.now() - start);
  }
}
