/**
 * Parsing ahead on the machine's other core: while classify runs the rules
 * on one file, a worker thread reads the next files and runs PostgreSQL's
 * parser (WebAssembly) on them, handing back the parser's JSON text; the
 * classifying thread only decodes it (JSON.parse). The WebAssembly part and
 * the decoding of its UTF-8 output are about two thirds of a parse, and the
 * parse is the largest single cost of a classify (bench/README.md).
 *
 * Nothing depends on the worker: a file it has not reached is claimed and
 * parsed by the classifying thread itself (a shared claim slot per file, so
 * no file is parsed twice), one it is parsing is waited for, and a text that
 * is not the file's whole text (a tool's up section, a file changed since)
 * or that the parser rejects is parsed in this thread, exactly as without
 * the worker: the trees, and so the verdicts and errors, are the same.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import { trace } from '../trace.js';
import { FREE, OWN, spawnParseWorker, WORKER, type ParseWorker } from './parse-worker.js';

export { PARSE_AHEAD_MIN_FILES } from './parse-worker.js';

export interface ParseAhead {
  /** Parse these files ahead, in order (once; the worker has loaded the parser meanwhile). */
  parse(files: readonly string[]): void;
  /**
   * The parse tree of `sql` when it is the whole text of `file` and the worker parsed it; else undefined
   * (parse it here). `wait`: a file the worker has not reached yet is waited for (this thread has no
   * parser loaded), up to a second once; after that it is left to this thread.
   */
  take(file: string, sql: string, wait?: boolean): unknown;
  /** Stop the worker (idempotent). */
  close(): void;
  /** Settles when the worker has ended (it ends by itself after the last file, or once closed). */
  readonly ended: Promise<void>;
}

/** A worker the CLI's bin started before the program was loaded (adoptParseWorker), not yet taken. */
let early: ParseWorker | undefined;

/**
 * Hand over a worker started early (src/cli/early-parse.ts): the next startParseAhead uses it instead of
 * starting one. A worker no classify takes is stopped by discardParseWorker.
 */
export function adoptParseWorker(worker: ParseWorker | undefined): void {
  discardParseWorker();
  early = worker;
}

/** Stop an adopted worker nothing took (idempotent). */
export function discardParseWorker(): void {
  const unused = early;
  early = undefined;
  if (unused === undefined) return;
  unused.port.close();
  void unused.worker.terminate();
}

/**
 * Start the worker (or take the one the bin started), which loads the parser while this thread is still
 * finding the files (listing, detection); `parse(files)` then gives it the files.
 */
export function startParseAhead(): ParseAhead {
  const index = new Map<string, number>();
  let claims = new Int32Array(new SharedArrayBuffer(0));
  let done = new Int32Array(new SharedArrayBuffer(0));
  let count = 0;
  const results = new Map<number, { text: string | null; json: string | null }>();
  let taken = 0;
  let waited = 0n;
  /** Waiting for the worker to reach a file stopped paying once (it is gone, or far too slow). */
  let gaveUp = false;
  const started = early ?? spawnParseWorker();
  early = undefined;
  let worker = started?.worker;
  const ended = started?.ended ?? Promise.resolve();
  const port1 = started?.port;

  // Messages are taken off the port up to the one wanted, not all at once: the worker runs ahead, and
  // megabytes of parser output pulled into this thread's heap early would be copied by every scavenge
  // until used. The worker posts in file order; one this thread never asked for is dropped.
  const receive = (wanted: number): void => {
    if (port1 === undefined) return;
    for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) {
      const { i, text, json } = m.message as { i: number; text: string | null; json: string | null };
      if (i >= wanted) results.set(i, { text, json });
      if (i >= wanted) return;
    }
  };

  return {
    ended,
    parse(files) {
      if (worker === undefined || count > 0) return;
      count = files.length;
      files.forEach((file, i) => {
        if (!index.has(file)) index.set(file, i);
      });
      claims = new Int32Array(new SharedArrayBuffer(files.length * 4));
      done = new Int32Array(new SharedArrayBuffer(files.length * 4));
      port1!.postMessage({ files: [...files], claims, done });
    },
    take(file, sql, wait = false) {
      const i = index.get(file);
      if (i === undefined || worker === undefined) return undefined;
      // Time spent waiting for the worker (a file it has not reached or not finished), for the trace.
      const since = Atomics.load(done, i) === 0 ? process.hrtime.bigint() : 0n;
      if (wait && !gaveUp && Atomics.load(claims, i) === FREE) {
        const deadline = Date.now() + 1_000;
        while (Atomics.load(claims, i) === FREE && Date.now() < deadline) Atomics.wait(claims, i, FREE, 50);
        if (Atomics.load(claims, i) === FREE) gaveUp = true;
      }
      if (Atomics.compareExchange(claims, i, FREE, OWN) !== WORKER) return undefined;
      // The worker has it: wait until it has posted it (usually long since). A worker that stopped
      // mid-file (it cannot: every failure is posted) would leave the file to this thread after 10 s.
      Atomics.wait(done, i, 0, 10_000);
      if (since !== 0n) waited += process.hrtime.bigint() - since;
      let result = results.get(i);
      if (result === undefined) {
        receive(i);
        result = results.get(i);
      }
      results.delete(i);
      if (result?.json == null || result.text !== sql) return undefined;
      taken++;
      return JSON.parse(result.json);
    },
    close() {
      if (worker === undefined) return;
      trace(`parse ahead: ${taken} of ${count} files parsed on the worker, ${(Number(waited) / 1e6).toFixed(1)} ms waited for it`);
      const w = worker;
      worker = undefined;
      port1!.close();
      void w.terminate();
    },
  };
}

/** Start parsing `files` ahead, in order, on a worker thread. */
export function parseAhead(files: readonly string[]): ParseAhead {
  const ahead = startParseAhead();
  ahead.parse(files);
  return ahead;
}
