#!/usr/bin/env node
/**
 * Benchmark: `dbrollback plan --count 1` on a ~300-migration CommonJS
 * umzug/Sequelize history (migrations-fixtures/umzug/sequelize-history),
 * first with an empty capture cache (every migration replayed in a throwaway
 * cluster) and then again (everything from the cache), against the raw tool:
 * the project's own `umzug.up()` of the whole history on an empty database —
 * the floor of any capture that replays.
 *
 *   npm run build && node bench/plan-capture-cache.mjs [--migrations 300] [--runs 5] [--json]
 *
 * The history is applied by the project's own CommonJS script; dbrollback
 * runs as a user runs it (a fresh `node dist/cli/main.js` per run, the
 * database URL in DATABASE_URL). Not a timed test: it prints figures and
 * exits 1 when the median cached plan is above the 3 s target.
 */
import { execa } from 'execa';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../dist/pgtools/local-cluster.js';
import { writeHistory } from '../migrations-fixtures/umzug/sequelize-history/generate.mjs';
import { cliMain, flag, hasFlag, log, median, root, seconds, timed } from './common.mjs';

const count = flag('--migrations', 300);
const runs = flag('--runs', 5);
const TARGET_MS = 3000;

const APPLY = `const { Sequelize } = require('sequelize');
const { makeUmzug } = require('./db/umzug.js');
(async () => {
  const sequelize = new Sequelize(process.env.DATABASE_URL, { logging: false });
  await makeUmzug(sequelize).up();
  await sequelize.close();
})().catch((err) => { console.error(err); process.exit(1); });
`;

const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-capture-'));
const project = path.join(work, 'project');
const cacheDir = path.join(work, 'cache');
const cluster = await startCluster();
try {
  await writeHistory(project, count);
  await symlink(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
  await writeFile(path.join(project, 'apply.js'), APPLY);

  // The raw tool: the whole history applied by the project's own script, on an empty database.
  await cluster.createDatabase('raw');
  const raw = await timed(() => execa(process.execPath, ['apply.js'], { cwd: project, env: { ...process.env, DATABASE_URL: cluster.url('raw') } }));
  log(`umzug up of ${count} migrations (the project's own script): ${seconds(raw.ms)} s`);

  // "Production": the same history, applied the same way.
  await cluster.createDatabase('prod');
  const env = { ...process.env, DATABASE_URL: cluster.url('prod'), DBROLLBACK_CACHE_DIR: cacheDir };
  await execa(process.execPath, ['apply.js'], { cwd: project, env });
  const plan = async () => {
    const run = await timed(() => execa(process.execPath, [cliMain, 'plan', '--count', '1', '--json'], { cwd: project, env, reject: false }));
    if (run.value.exitCode !== 0) throw new Error(`plan exited ${run.value.exitCode}: ${run.value.stderr}`);
    return { ms: run.ms, capture: JSON.parse(run.value.stdout).capture };
  };

  await rm(cacheDir, { recursive: true, force: true });
  const first = await plan();
  log(`plan --count 1, empty cache: ${seconds(first.ms)} s (replayed ${first.capture.replayed})`);
  const cached = [];
  for (let i = 0; i < runs; i++) {
    const again = await plan();
    if (again.capture.replayed !== 0) throw new Error(`a cached plan replayed ${again.capture.replayed} migration(s)`);
    cached.push(again.ms);
  }
  const status = [];
  for (let i = 0; i < runs; i++) {
    status.push((await timed(() => execa(process.execPath, [cliMain, 'status', '--json'], { cwd: project, env }))).ms);
  }
  const result = {
    migrations: count,
    rawUpMs: Math.round(raw.ms),
    firstPlanMs: Math.round(first.ms),
    cachedPlanMedianMs: Math.round(median(cached)),
    cachedPlanMs: cached.map(Math.round),
    statusMedianMs: Math.round(median(status)),
    firstPlanOverRawUp: +(first.ms / raw.ms).toFixed(2),
    cachedPlanOverStatus: +(median(cached) / median(status)).toFixed(2),
    loadAverage: os.loadavg().map((l) => +l.toFixed(1)),
  };
  log(`plan --count 1, cached: median ${seconds(result.cachedPlanMedianMs)} s over ${runs} runs (status alone: ${seconds(result.statusMedianMs)} s)`);
  log(`ratios: first plan / raw up = ${result.firstPlanOverRawUp}; cached plan / status = ${result.cachedPlanOverStatus}; load average ${result.loadAverage.join(' ')}`);
  if (hasFlag('--json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exitCode = result.cachedPlanMedianMs > TARGET_MS ? 1 : 0;
} finally {
  await cluster.stop();
  await rm(work, { recursive: true, force: true });
}
