#!/usr/bin/env node
/**
 * Benchmark: `dbrollback classify` against squawk (the Rust migration linter,
 * npm package squawk-cli, installed for the bench only: `npm install --no-save squawk-cli@2`
 * — it is no dependency of the project, because its lock entries for other platforms' binaries
 * cannot always be resolved and `npm ci` would then refuse the lock file) on the same generated files, each as a user runs
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
 * Each run also reports its CPU time (user + system, from /usr/bin/time): on
 * a shared machine wall time follows the load, CPU time much less.
 */
import { execa } from 'execa';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cliMain, flag, hasFlag, log, median, timed } from './common.mjs';
import { writeCorpus } from './classify-corpus.mjs';

const count = flag('--files', 1000);
const runs = flag('--runs', 7);

const require = createRequire(import.meta.url);
let squawkPackage;
try {
  squawkPackage = require.resolve(`@squawk-cli/${process.platform}-${process.arch}/package.json`);
} catch {
  console.error('squawk is not installed: run `npm install --no-save squawk-cli@2` first (the bench only needs it).');
  process.exit(1);
}
const squawk = path.join(path.dirname(squawkPackage), 'bin', 'squawk');

const { dir, migrations, statements, bytes } = await writeCorpus(count);
log(`classify vs squawk: ${count} files, ${statements} statements, ${(bytes / 1024).toFixed(0)} KiB in ${migrations}`);

const pattern = path.join(migrations, '*.sql');
const cpuFile = path.join(dir, 'cpu.txt');
const floor = path.join(path.dirname(new URL(import.meta.url).pathname), 'classify-parse-floor.mjs');
const commands = {
  'squawk --reporter json': [squawk, '--reporter', 'json', pattern],
  // No rules, no output: Node's start-up plus the parser alone, the floor for any Node.js tool on this parser.
  'parse only (libpg-query)': [process.execPath, '--liftoff-only', floor, migrations],
  'dbrollback classify --json': [process.execPath, cliMain, 'classify', '--json', migrations],
  squawk: [squawk, pattern],
  'dbrollback classify': [process.execPath, cliMain, 'classify', migrations],
};

/** Run one tool to completion, draining its stdout; its CPU seconds. squawk exits 1 when it reports violations. */
async function runOnce(name) {
  const child = execa('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, ...commands[name]], { reject: false, stdout: 'pipe', stderr: 'ignore', buffer: false });
  child.stdout.resume();
  const result = await child;
  const ok = name.startsWith('squawk') ? result.exitCode === 0 || result.exitCode === 1 : result.exitCode === 0;
  if (!ok) throw new Error(`${name} failed (exit ${result.exitCode})`);
  const [user, system] = (await readFile(cpuFile, 'utf8')).trim().split('\n').at(-1).split(' ').map(Number);
  return (user + system) * 1000;
}

const names = Object.keys(commands);
const wall = Object.fromEntries(names.map((name) => [name, []]));
const cpu = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await runOnce(name);
for (let i = 0; i < runs; i++) {
  // Alternate which tool goes first.
  for (const name of i % 2 === 0 ? names : [...names].reverse()) {
    const { ms, value } = await timed(() => runOnce(name));
    wall[name].push(ms);
    cpu[name].push(value);
  }
  log(`  run ${i + 1}/${runs}: ${names.map((n) => `${n} ${wall[n].at(-1).toFixed(0)} ms (cpu ${cpu[n].at(-1).toFixed(0)})`).join(', ')}`);
}

const med = (xs) => Object.fromEntries(Object.entries(xs).map(([n, t]) => [n, Math.round(median(t))]));
const ratio = (m, ours, theirs) => Number((m[ours] / m[theirs]).toFixed(2));
const wallMs = med(wall);
const cpuMs = med(cpu);
const result = {
  files: count,
  statements,
  runs,
  wallMs,
  cpuMs,
  ratio: {
    wallJson: ratio(wallMs, 'dbrollback classify --json', 'squawk --reporter json'),
    wallHuman: ratio(wallMs, 'dbrollback classify', 'squawk'),
    cpuJson: ratio(cpuMs, 'dbrollback classify --json', 'squawk --reporter json'),
    cpuHuman: ratio(cpuMs, 'dbrollback classify', 'squawk'),
    wallFloor: ratio(wallMs, 'parse only (libpg-query)', 'squawk --reporter json'),
    cpuFloor: ratio(cpuMs, 'parse only (libpg-query)', 'squawk --reporter json'),
  },
  target: 2,
};
for (const n of names) log(`  ${n.padEnd(28)} median wall ${wallMs[n]} ms, cpu ${cpuMs[n]} ms`);
log(`  ratio to squawk — wall: JSON ${result.ratio.wallJson}, human ${result.ratio.wallHuman}; cpu: JSON ${result.ratio.cpuJson}, human ${result.ratio.cpuHuman} (target ≤ ${result.target})`);
log(`  the parser alone (Node start-up + libpg-query, no rules, no output) — wall ${result.ratio.wallFloor}, cpu ${result.ratio.cpuFloor} of squawk --reporter json`);
if (hasFlag('--json')) console.log(JSON.stringify(result));
await rm(dir, { recursive: true, force: true });
