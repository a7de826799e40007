/**
 * The thread that parses a long history's files ahead (parse-ahead.ts): its
 * source, the claim protocol it shares with the classifying thread, and its
 * start. Kept apart from parse-ahead.ts so that the CLI's bin can start it
 * before the program is even compiled (src/cli/early-parse.ts): a worker
 * thread takes ~50–150 ms to boot and load the parser, time the classifying
 * thread otherwise spent waiting for its first tree.
 */
import { createRequire } from 'node:module';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** Fewer files than this are parsed in this thread: a worker's start-up (~30 ms of CPU) would cost more than it saves. */
export const PARSE_AHEAD_MIN_FILES = 64;

/** A file's claim slot: nobody has it yet, the worker has it, the classifying thread has it. */
export const FREE = 0;
export const WORKER = 1;
export const OWN = 2;

/** Statements of the kinds migrations hold most (the warm-up's text; what it parses is not used). */
const WARM_UP = [
  "CREATE TABLE IF NOT EXISTS w (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n text NOT NULL DEFAULT 'x', t timestamptz DEFAULT now(), r int REFERENCES o (id) ON DELETE CASCADE, CHECK (r > 0), UNIQUE (n))",
  'ALTER TABLE w ADD COLUMN c numeric(12,2), ALTER COLUMN n SET NOT NULL, ALTER COLUMN c TYPE varchar(20) USING c::text, DROP COLUMN IF EXISTS d CASCADE, ADD CONSTRAINT f FOREIGN KEY (r) REFERENCES o (id) NOT VALID',
  'ALTER TABLE w VALIDATE CONSTRAINT f',
  'ALTER TABLE w RENAME COLUMN n TO m',
  'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON w USING btree (lower(n), t DESC) WHERE r IS NOT NULL',
  "UPDATE w SET n = upper(n) WHERE id BETWEEN 1 AND 2 AND n IN ('a', 'b')",
  "DELETE FROM w WHERE t < now() - interval '1 day'",
  "INSERT INTO w (n) VALUES ('a'), ('b') ON CONFLICT DO NOTHING",
  "CREATE TYPE e AS ENUM ('a', 'b')",
  "ALTER TYPE e ADD VALUE IF NOT EXISTS 'c'",
  'CREATE OR REPLACE VIEW v AS SELECT w.id, o.x FROM w JOIN o ON o.id = w.r WHERE w.id > 1',
  'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
  'CREATE TRIGGER g BEFORE UPDATE ON w FOR EACH ROW EXECUTE FUNCTION f()',
  'DROP TABLE IF EXISTS w CASCADE',
  'DROP INDEX CONCURRENTLY IF EXISTS i',
  'GRANT SELECT ON w TO r',
  'CREATE EXTENSION IF NOT EXISTS e',
  'COMMENT ON TABLE w IS $c$x$c$',
  'BEGIN',
  'COMMIT',
].join(';\n');

/**
 * The worker: load the parser at once, then, given the files, read each one not claimed yet, parse it,
 * post the parser's JSON text (or that it failed).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { port, parser } = workerData;
const lib = require(parser);
// Loaded, then run once on statements of the common kinds while the other thread still lists and reads the
// files: V8 compiles WebAssembly functions on their first call, and the first files would pay for it.
const loaded = lib.loadModule().then(() => {
  try {
    lib.parseSync(${JSON.stringify(WARM_UP)});
  } catch {}
});
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

/** A started worker: the port its files go out on and its parsed texts come back on, and when it has ended. */
export interface ParseWorker {
  worker: Worker;
  port: MessagePort;
  ended: Promise<void>;
}

/**
 * Start the worker; it loads the parser at once and waits for its files. undefined when a worker cannot be
 * started (every file is then parsed by the classifying thread).
 */
export function spawnParseWorker(): ParseWorker | undefined {
  const { port1, port2 } = new MessageChannel();
  try {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, parser: createRequire(import.meta.url).resolve('libpg-query') },
      transferList: [port2 as unknown as MessagePort],
      stdout: true,
    });
    worker.unref();
    // Recorded now: a worker that ends before its files are given must not leave anyone waiting for 'exit'.
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // A worker that cannot start leaves every file to the classifying thread (each claim then succeeds there).
    worker.on('error', () => undefined);
    return { worker, port: port1, ended };
  } catch {
    port1.close();
    return undefined;
  }
}
