#!/usr/bin/env node
/**
 * Benchmark: `dbrollback classify` against squawk (the Rust migration linter,
 * devDependency squawk-cli) on the same generated files, each as a user runs
 * it — a new process per run, wall time from spawn to exit, output drained
 * through a pipe. Runs alternate (squawk, dbrollback, squawk, ...) so load on
 * the machine hits both alike; one unmeasured round warms the page cache.
 *
 *   npm run build && node bench/classify-squawk.mjs [--files 1000] [--runs 7] [--json]
 *
 * Two output modes, both tools alike: machine-readable (`squawk --reporter
 * json`, `dbrollback classify --json`) and human (squawk's default reporter,
 * dbrollback's table). squawk is run as its native binary, not through its
 * Node.js wrapper script (that would add a Node start-up to squawk's side).
 */
import { execa } from 'execa';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cliMain, flag, hasFlag, log, median, timed } from './common.mjs';
import { writeCorpus } from './classify-corpus.mjs';

const count = flag('--files', 1000);
const runs = flag('--runs', 7);

const require = createRequire(import.meta.url);
const squawk = path.join(path.dirname(require.resolve(`@squawk-cli/${process.platform}-${process.arch}/package.json`)), 'bin', 'squawk');

const { dir, migrations, statements, bytes } = await writeCorpus(count);
log(`classify vs squawk: ${count} files, ${statements} statements, ${(bytes / 1024).toFixed(0)} KiB in ${migrations}`);

const pattern = path.join(migrations, '*.sql');
const tools = {
  'squawk --reporter json': () => execa(squawk, ['--reporter', 'json', pattern], { reject: false, stdout: 'pipe', buffer: false }),
  'dbrollback classify --json': () => execa(process.execPath, [cliMain, 'classify', '--json', migrations], { reject: false, stdout: 'pipe', buffer: false }),
  squawk: () => execa(squawk, [pattern], { reject: false, stdout: 'pipe', buffer: false }),
  'dbrollback classify': () => execa(process.execPath, [cliMain, 'classify', migrations], { reject: false, stdout: 'pipe', buffer: false }),
};

/** Run one tool to completion, draining its stdout; squawk exits 1 when it reports violations. */
async function runOnce(name) {
  const child = tools[name]();
  child.stdout.resume();
  const result = await child;
  const ok = name.startsWith('squawk') ? result.exitCode === 0 || result.exitCode === 1 : result.exitCode === 0;
  if (!ok) throw new Error(`${name} failed (exit ${result.exitCode}): ${result.stderr}`);
}

const times = Object.fromEntries(Object.keys(tools).map((name) => [name, []]));
for (const name of Object.keys(tools)) await runOnce(name);
for (let i = 0; i < runs; i++) {
  // Alternate which tool of each pair goes first.
  const order = i % 2 === 0 ? Object.keys(tools) : Object.keys(tools).reverse();
  for (const name of order) times[name].push((await timed(() => runOnce(name))).ms);
  log(`  run ${i + 1}/${runs}: ${Object.entries(times).map(([n, t]) => `${n} ${t.at(-1).toFixed(0)} ms`).join(', ')}`);
}

const med = Object.fromEntries(Object.entries(times).map(([n, t]) => [n, median(t)]));
const result = {
  files: count,
  statements,
  runs,
  medianMs: Object.fromEntries(Object.entries(med).map(([n, ms]) => [n, Math.round(ms)])),
  ratioJson: Number((med['dbrollback classify --json'] / med['squawk --reporter json']).toFixed(2)),
  ratioHuman: Number((med['dbrollback classify'] / med.squawk).toFixed(2)),
  target: 2,
};
for (const [n, ms] of Object.entries(result.medianMs)) log(`  ${n.padEnd(28)} median ${ms} ms`);
log(`  ratio (JSON output) ${result.ratioJson}, (human output) ${result.ratioHuman}; target ≤ ${result.target}`);
if (hasFlag('--json')) console.log(JSON.stringify(result));
await rm(dir, { recursive: true, force: true });
