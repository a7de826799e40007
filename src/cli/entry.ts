/**
 * The CLI's program as one function: what `dbrollback` does once it is loaded.
 * src/cli/main.ts (the `bin`) loads it from a single pre-built script with
 * V8's code cache (src/cli/code-cache.ts); the imports below run first, in
 * this order, when that script is evaluated.
 */
import './node-navigator.js';
import { trace } from '../trace.js';
import type { ParseWorker } from '../index.js';

/** What the bin started before loading the program, for the command to take over. */
export interface StartedEarly {
  /** classify's parse worker (src/cli/early-parse.ts). */
  parseWorker?: ParseWorker | undefined;
}

/**
 * Run one command line (wal-push and wal-fetch in their plain forms never come here: the bin takes them the short way,
 * archive-entry.ts); `commandDone` is called with the exit code once the command has finished, before the process is left to exit.
 */
export async function main(argv: string[], commandDone: (code: number) => void, started: StartedEarly = {}): Promise<void> {
  // Loaded after the first line has run (a static import would be evaluated first).
  const { runCli } = await import('./program.js');
  trace('cli: program loaded');
  let code = await runCli({ argv, parseWorker: started.parseWorker });
  // As restore_command, exit 1 means "not in the archive" and 2 would too: a bad
  // flag or config must stop recovery (exit > 125), never end it early.
  if (argv.includes('wal-fetch') && code > 1) code = 126;
  trace('cli: command done');
  commandDone(code);
  // Let stdout drain before exiting (piped JSON must arrive whole).
  process.exitCode = code;
  // The work is done: whatever a project's migration code left open (an idle
  // Sequelize pool, a client it never ended) must not hold the command for its
  // idle timeout. Once the output has drained, exit at once: waiting for the
  // event loop to empty only adds the isolate's teardown (the heap of a long
  // classify freed page by page, the parse worker joined) to every command.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
