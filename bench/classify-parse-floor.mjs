#!/usr/bin/env node
/**
 * The floor under `dbrollback classify` in Node.js: read every .sql file of a
 * directory and hand it to the same parser (libpg-query's WebAssembly build,
 * on V8's baseline WebAssembly code as the CLI runs it) — no rules, no
 * verdicts, no output. `bench/classify-squawk.mjs` times it beside squawk and
 * dbrollback, so the report says how much of the gap is the parser and Node's
 * start-up, and how much is dbrollback's own work.
 *
 *   node --liftoff-only bench/classify-parse-floor.mjs DIR
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadModule, parseSync } from 'libpg-query';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --liftoff-only bench/classify-parse-floor.mjs DIR');
  process.exit(2);
}
await loadModule();
let statements = 0;
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith('.sql')) continue;
  statements += parseSync(readFileSync(path.join(dir, name), 'utf8')).stmts.length;
}
console.log(statements);
