/**
 * stdout belongs to the command's result: with --json, exactly one document.
 * Migration code runs in this process (umzug's and node-pg-migrate's
 * migrations are functions) and may print — `console.log('Backfilling…')` —
 * so while a command runs, anything else written to process.stdout is sent
 * to stderr, where logs and progress go. The result itself is written
 * through the handle returned here.
 */
import { Writable } from 'node:stream';

export interface ReservedStdout {
  /** Writes to the real stdout. */
  readonly stdout: NodeJS.WritableStream;
  /**
   * Why the result could not be written whole, once a write to the real stdout failed: null while
   * none did, and for EPIPE (the reader closed the pipe: `dbrollback classify --json | head`), which
   * ends the writing quietly as it ends any command-line tool's.
   */
  failure(): Error | null;
  /** Settles once everything written so far has reached the real stdout, or failed to (then failure() says why). */
  settled(): Promise<void>;
  /** Give process.stdout back. */
  release(): void;
}

export function reserveStdout(): ReservedStdout {
  const realWrite = process.stdout.write.bind(process.stdout);
  const toStderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) =>
    toStderr(chunk as string, encoding as BufferEncoding, callback as () => void)) as typeof process.stdout.write;
  // A failed write is reported through the write's callback and as an 'error' event of process.stdout (which,
  // unheard, would end the process with a stack trace, in the middle of whatever the command was doing).
  let gone = false;
  let failure: Error | null = null;
  const failed = (err: NodeJS.ErrnoException): void => {
    if (gone) return;
    gone = true;
    if (err.code !== 'EPIPE') failure = err;
  };
  process.stdout.on('error', failed);
  // Each chunk is handed to the real stdout at once, in order (its own buffer keeps them): a result
  // written in chunks (writeJson) is then all queued there before the CLI waits for stdout to drain
  // and exits. Waiting here for each write's callback held the later chunks in this stream's buffer,
  // and the process could exit before they reached stdout (a truncated document under a slow reader).
  // Once a write failed, the rest of the result is dropped: the command itself runs to its end.
  const stdout: Writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!gone) {
        try {
          realWrite(chunk, (err) => {
            if (err) failed(err);
          });
        } catch (err) {
          // stdout redirected to a file is written synchronously: its failure is thrown here.
          failed(err as NodeJS.ErrnoException);
        }
      }
      callback();
    },
  });
  return {
    stdout,
    failure: () => failure,
    settled: () =>
      new Promise<void>((resolve) => {
        if (gone) return resolve();
        try {
          // Written after every chunk before it: its callback comes once they are through (or failed).
          realWrite('', () => resolve());
        } catch {
          resolve();
        }
      }),
    release() {
      process.stdout.write = realWrite as typeof process.stdout.write;
    },
  };
}
