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
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { trace } from '../trace.js';

/** Fewer files than this are parsed in this thread: a worker's start-up (~30 ms of CPU) would cost more than it saves. */
export const PARSE_AHEAD_MIN_FILES = 64;

const FREE = 0;
const WORKER = 1;
const OWN = 2;

/**
 * The worker: load the parser at once, then, given the files, read each one not claimed yet, parse it,
 * post the parser's JSON text (or that it failed).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { port, parser } = workerData;
const lib = require(parser);
const loaded = lib.loadModule();
port.once('message', ({ files, claims, done }) => loaded.then(() => {
  const raw = lib.parseSync;
  let json;
  // parseSync returns JSON.parse of the parser's text: keep the text, the other thread decodes it.
  const keep = (text) => { json = text; return null; };
  for (let i = 0; i < files.length; i++) {
    if (Atomics.compareExchange(claims, i, ${FREE}, ${WORKER}) !== ${FREE}) continue;
    // This file is the worker's: a classifying thread waiting for it (it has no parser of its own) waits for its tree.
    Atomics.notify(claims, i);
    let message;
    try {
      const text = readFileSync(files[i], 'utf8');
      const parse = JSON.parse;
      JSON.parse = keep;
      try {
        raw(text);
      } finally {
        JSON.parse = parse;
      }
      message = { i, text, json };
    } catch {
      message = { i, text: null, json: null };
    }
    port.postMessage(message);
    Atomics.store(done, i, 1);
    Atomics.notify(done, i);
  }
  port.close();
}, () => port.close()));
`;

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

/**
 * Start the worker, which loads the parser while this thread is still finding the files (listing,
 * detection); `parse(files)` then gives it the files.
 */
export function startParseAhead(): ParseAhead {
  const index = new Map<string, number>();
  let claims = new Int32Array(new SharedArrayBuffer(0));
  let done = new Int32Array(new SharedArrayBuffer(0));
  let count = 0;
  const results = new Map<number, { text: string | null; json: string | null }>();
  const { port1, port2 } = new MessageChannel();
  let taken = 0;
  /** Waiting for the worker to reach a file stopped paying once (it is gone, or far too slow). */
  let gaveUp = false;
  let worker: Worker | undefined;
  let ended = Promise.resolve();
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, parser: createRequire(import.meta.url).resolve('libpg-query') },
      transferList: [port2 as unknown as MessagePort],
      stdout: true,
    });
    worker.unref();
    const started = worker;
    ended = new Promise((resolve) => started.once('exit', () => resolve()));
    // A worker that cannot start leaves every file to this thread (each claim then succeeds here).
    worker.on('error', () => undefined);
  } catch {
    worker = undefined;
  }

  // Messages are taken off the port up to the one wanted, not all at once: the worker runs ahead, and
  // megabytes of parser output pulled into this thread's heap early would be copied by every scavenge
  // until used. The worker posts in file order; one this thread never asked for is dropped.
  const receive = (wanted: number): void => {
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
      port1.postMessage({ files: [...files], claims, done });
    },
    take(file, sql, wait = false) {
      const i = index.get(file);
      if (i === undefined || worker === undefined) return undefined;
      if (wait && !gaveUp && Atomics.load(claims, i) === FREE) {
        const deadline = Date.now() + 1_000;
        while (Atomics.load(claims, i) === FREE && Date.now() < deadline) Atomics.wait(claims, i, FREE, 50);
        if (Atomics.load(claims, i) === FREE) gaveUp = true;
      }
      if (Atomics.compareExchange(claims, i, FREE, OWN) !== WORKER) return undefined;
      // The worker has it: wait until it has posted it (usually long since). A worker that stopped
      // mid-file (it cannot: every failure is posted) would leave the file to this thread after 10 s.
      Atomics.wait(done, i, 0, 10_000);
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
      trace(`parse ahead: ${taken} of ${count} files parsed on the worker`);
      const w = worker;
      worker = undefined;
      port1.close();
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
