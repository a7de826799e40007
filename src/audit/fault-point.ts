import { pipeline, Transform, type Readable } from 'node:stream';
/**
 * Named pause points for fault-injection tests: with DBROLLBACK_PAUSE_AT set
 * to a point's name, a run stops there, says so on stderr, and waits — for
 * a stop signal (then it carries on to the next safe point, as it would
 * have) or to be killed. Tests use it to interrupt or kill -9 a run at an
 * exact step. Unset (always, outside tests), a point costs one comparison.
 */
export async function faultPoint(name: string, signal?: AbortSignal): Promise<void> {
  if (process.env.DBROLLBACK_PAUSE_AT !== name) return;
  process.stderr.write(`dbrollback: paused at ${name} (DBROLLBACK_PAUSE_AT)\n`);
  await new Promise<void>((resolve) => {
    // A pending promise alone does not keep Node running.
    const keepAlive = setInterval(() => undefined, 1000);
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
