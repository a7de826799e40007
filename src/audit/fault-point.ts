import { existsSync } from 'node:fs';
import { pipeline, Transform, type Readable } from 'node:stream';
/**
 * Named pause points for fault-injection tests: with DBROLLBACK_PAUSE_AT set
 * to a point's name, a run stops there, says so on stderr, and waits — for
 * a stop signal (then it carries on to the next safe point, as it would
 * have), for the file DBROLLBACK_PAUSE_RESUME_FILE to appear (the test broke
 * something meanwhile: a connection, a child process), or to be killed.
 * Unset (always, outside tests), a point costs one comparison.
 */
export async function faultPoint(name: string, signal?: AbortSignal): Promise<void> {
  if (process.env.DBROLLBACK_PAUSE_AT !== name) return;
  process.stderr.write(`dbrollback: paused at ${name} (DBROLLBACK_PAUSE_AT)\n`);
  await new Promise<void>((resolve) => {
    // A pending promise alone does not keep Node running; the interval also watches for the resume file.
    const resumeFile = process.env.DBROLLBACK_PAUSE_RESUME_FILE;
    const keepAlive = setInterval(() => {
      if (resumeFile && existsSync(resumeFile)) done();
    }, 100);
    const done = () => {
      clearInterval(keepAlive);
      resolve();
    };
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}

/** `source`, paused at `name` when its first chunk arrives (a fault point in the middle of a transfer); `source` itself when the point is off. */
export function withFaultPoint(name: string, source: Readable, signal?: AbortSignal): Readable {
  if (process.env.DBROLLBACK_PAUSE_AT !== name) return source;
  let first = true;
  const paused = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!first) return callback(null, chunk);
      first = false;
      faultPoint(name, signal).then(() => callback(null, chunk), callback);
    },
  });
  // pipeline (not pipe) carries the source's errors through.
  pipeline(source, paused, () => undefined);
  return paused;
}
