#!/usr/bin/env node
/**
 * Benchmark: classify 1,000 generated migration files of mixed sizes through
 * the public API (the built package, dist/), as `dbrollback classify DIR`
 * does: read, parse with libpg-query, run every rule, fold the verdicts.
 * Parser initialisation (WASM load) is paid once and reported separately.
 *
 *   npm run build && node bench/classify.mjs [--files 1000] [--keep]
 *
 * Prints files/second and the total; exits 1 when the total exceeds the
 * 2-second target (so CI can run it as a smoke check).
 */
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { writeCorpus } from './classify-corpus.mjs';

const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--files') + 1] ?? 1000) || 1000;
const keep = args.includes('--keep');
const TARGET_MS = 2000;

const { dir, migrations, statements, bytes } = await writeCorpus(count);

// Loading the package starts the WASM parser; initParser() waits for it. Both count as initialisation.
const t0 = performance.now();
const { classifyFiles, initParser } = await import('../dist/index.js');
await initParser();
const initMs = performance.now() - t0;

const t1 = performance.now();
const report = await classifyFiles([migrations]);
const classifyMs = performance.now() - t1;

const totalMs = initMs + classifyMs;
const findings = report.files.reduce((n, f) => n + f.statements.reduce((m, s) => m + s.findings.length, 0), 0);
const result = {
  files: report.files.length,
  statements,
  bytes,
  findings,
  parserInitMs: Math.round(initMs),
  classifyMs: Math.round(classifyMs),
  totalMs: Math.round(totalMs),
  filesPerSecond: Math.round(report.files.length / (classifyMs / 1000)),
  statementsPerSecond: Math.round(statements / (classifyMs / 1000)),
  targetMs: TARGET_MS,
  withinTarget: totalMs < TARGET_MS,
};
console.log(`classify bench: ${result.files} files (${result.statements} statements, ${(bytes / 1024).toFixed(0)} KiB), ${findings} findings`);
console.log(`  package load + parser init ${result.parserInitMs} ms (once), classify ${result.classifyMs} ms → ${result.filesPerSecond} files/s, ${result.statementsPerSecond} statements/s`);
console.log(`  total ${result.totalMs} ms (target < ${TARGET_MS} ms): ${result.withinTarget ? 'ok' : 'TOO SLOW'}`);
if (args.includes('--json')) console.log(JSON.stringify(result));
if (!keep) await rm(dir, { recursive: true, force: true });
else console.log(`  files kept in ${migrations}`);
process.exitCode = result.withinTarget ? 0 : 1;
