import { existsSync } from 'node:fs';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { DbrollbackError } from '../errors.js';
/**
 * Named pause points for fault-injection tests: with DBROLLBACK_PAUSE_AT set
 * to a point's name, a run stops there, says so on stderr, and waits — for
 * a stop signal (then it carries on to the next safe point, as it would
 * have), for the file DBROLLBACK_PAUSE_RESUME_FILE to appear (the test broke
 * something meanwhile: a connection, a child process), or to be killed.
 * Unset (always, outside tests), a point costs one comparison.
 *
 * It is a testing hook, never a feature: a run started with it set says so
 * first (checkPauseHook). Most points wait holding nothing the application
 * needs (dbrollback's own advisory lock at most). Two cannot help holding
 * locks, because what they test is a stop or a fault right there: inside a
 * down migration's transaction (its DDL locks) and in the middle of a dump
 * (pg_dump's snapshot and ACCESS SHARE locks, which queue any ALTER and then
 * the application behind it). Those pause only under the test suite (vitest
 * sets VITEST, and the harness passes it to the CLI it starts); anywhere else
 * a run naming them is refused before it starts.
 */

/** Every pause point; `holds` says what stays locked while it waits. */
export const PAUSE_POINTS: Readonly<Record<string, { holds?: string }>> = {
  'backup:dump': { holds: "pg_dump's snapshot transaction and its ACCESS SHARE lock on every table" },
  'backup:readback': {},
  'backup:before-manifest': {},
  'undo:after-backup': {},
  'undo:in-down-transaction': { holds: "the down migration's open transaction and the locks its statements took" },
  'undo:before-verify': {},
  'undo:before-resume': {},
  'migrate:after-up': {},
  'restore:before-swap': {},
  'restore:pg-restore': {},
  'restore:before-table-swap': {},
  'restore:pitr-extract': {},
  'restore:pitr-recover': {},
  'restore:pitr-before-verify': {},
  'drill:before-step': {},
  'drill:pitr-stop': {},
  'wal-push:upload': {},
};

const underTests = (env: NodeJS.ProcessEnv) => env.VITEST === 'true';

/**
 * A run's first check: null when DBROLLBACK_PAUSE_AT is unset, else the
 * warning line to print (the run will pause); refused (exit 2) when it names
 * a point that holds locks and this is not the test suite.
 */
export function checkPauseHook(env: NodeJS.ProcessEnv = process.env): string | null {
  const name = env.DBROLLBACK_PAUSE_AT;
  if (!name) return null;
  const point = PAUSE_POINTS[name];
  if (point?.holds && !underTests(env)) {
    throw new DbrollbackError('USAGE', `DBROLLBACK_PAUSE_AT=${name} is a testing hook that would keep ${point.holds} while it waits; it runs only under the test suite`, {
      hint: 'Nothing was done. Unset DBROLLBACK_PAUSE_AT (it is for dbrollback\'s own fault-injection tests).',
    });
  }
  return `dbrollback: DBROLLBACK_PAUSE_AT=${name} is set (a testing hook): this run will ${point ? `pause at ${name}` : `not pause (no point is named ${name})`}`;
}

export async function faultPoint(name: string, signal?: AbortSignal): Promise<void> {
  if (process.env.DBROLLBACK_PAUSE_AT !== name) return;
  // checkPauseHook refused such a run already; a library caller that skipped it still never waits holding locks.
  if (PAUSE_POINTS[name]?.holds && !underTests(process.env)) return;
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

/**
 * `source`, paused at `name` once its consumer has asked for data and its
 * first bytes are there (a fault point in the middle of a transfer: the
 * producer — pg_dump — is running, and the storage driver has done its checks
 * and started the upload); `source` itself when the point is off.
 */
export function withFaultPoint(name: string, source: Readable, signal?: AbortSignal): Readable {
  if (process.env.DBROLLBACK_PAUSE_AT !== name) return source;
  const paused = new PassThrough();
  // Until it is piped, an error of the source (a file that vanished) still ends the stream.
  const early = (err: Error) => paused.destroy(err);
  source.once('error', early);
  const read = paused._read.bind(paused);
  let first = true;
  paused._read = (size: number) => {
    if (!first) return read(size);
    first = false;
    firstBytes(source).then(() => faultPoint(name, signal)).then(
      () => {
        source.off('error', early);
        // pipeline (not pipe) carries the source's errors through.
        pipeline(source, paused, () => undefined);
      },
      (err: Error) => paused.destroy(err),
    );
  };
  return paused;
}

/** Resolves when `source` has bytes to read (or has ended or failed), without consuming any. */
function firstBytes(source: Readable): Promise<void> {
  if (source.readableLength > 0 || source.readableEnded || source.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      source.off('readable', done).off('end', done).off('error', done);
      resolve();
    };
    source.on('readable', done).on('end', done).on('error', done);
  });
}
