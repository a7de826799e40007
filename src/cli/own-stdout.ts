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
  /** Give process.stdout back. */
  release(): void;
}

export function reserveStdout(): ReservedStdout {
  const realWrite = process.stdout.write.bind(process.stdout);
  const toStderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) =>
    toStderr(chunk as string, encoding as BufferEncoding, callback as () => void)) as typeof process.stdout.write;
  // Each chunk is handed to the real stdout at once, in order (its own buffer keeps them): a result
  // written in chunks (writeJson) is then all queued there before the CLI waits for stdout to drain
  // and exits. Waiting here for each write's callback held the later chunks in this stream's buffer,
  // and the process could exit before they reached stdout (a truncated document under a slow reader).
  const stdout: Writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      realWrite(chunk, (err) => {
        if (err) stdout.destroy(err);
      });
      callback();
    },
  });
  return {
    stdout,
    release() {
      process.stdout.write = realWrite as typeof process.stdout.write;
    },
  };
}
