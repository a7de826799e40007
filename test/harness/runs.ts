/** A run context for a test, closed when the test finishes (sessions, adapters, storage clients). */
import { onTestFinished } from 'vitest';
import { openRun, type ResolvedConfig, type RunContext, type RunContextOptions } from '../../src/index.js';

export function runOf(config: ResolvedConfig, options: RunContextOptions = {}): RunContext {
  const run = openRun(config, options);
  onTestFinished(() => run.close());
  return run;
}
