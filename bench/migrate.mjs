#!/usr/bin/env node
/**
 * Benchmark: the overhead of `dbrollback migrate --count 1 --backup never`
 * (lock, classify, restore point + WAL switch + record in storage, the up
 * through the tool, head check, audit record) over node-pg-migrate's own
 * `up 1`, on the shop fixture at 003 (seeded after 002), applying
 * 004_rename-order-note.
 *
 *   npm run build && node bench/migrate.mjs [--runs 7]
 *
 * Both run as a user runs them: a fresh `node` process each, DATABASE_URL in
 * the environment. Every run gets its own clone of one prepared template
 * (made before the clock starts); runs alternate which tool goes first;
 * medians are reported, with dbrollback's per-step timings from its --json
 * report. Not a timed test: it prints figures.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../dist/pgtools/local-cluster.js';
import { cliMain, flag, log, median, root, timed } from './common.mjs';

const npmBin = path.join(root, 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js');
const migrations = path.join('migrations-fixtures', 'node-pg-migrate', 'shop');
const runs = flag('--runs', 7);

const cluster = await startCluster({ settings: { wal_level: 'replica' } });
const storageRoot = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-migrate-'));
const envFor = (database) => ({ ...process.env, DATABASE_URL: cluster.url(database) });
try {
  const template = 'shop_template';
  await cluster.createDatabase(template);
  const npmUp = (database, n) => execa('node', [npmBin, 'up', String(n), '-m', migrations], { cwd: root, env: envFor(database) });
  await npmUp(template, 2);
  await cluster.sql(template, await readFile(path.join(root, 'migrations-fixtures', 'seed.sql'), 'utf8'));
  await npmUp(template, 1);

  let clone = 0;
  const fresh = async () => {
    clone += 1;
    await cluster.createDatabase(`shop_run_${clone}`, { template });
    return `shop_run_${clone}`;
  };
  const tools = {
    'node-pg-migrate up 1': async (database) => {
      await npmUp(database, 1);
      return null;
    },
    'dbrollback migrate --count 1 --backup never': async (database) => {
      const r = await execa('node', [cliMain, 'migrate', '--count', '1', '--backup', 'never', '--json', '--migrations', migrations, '--storage', path.join(storageRoot, database)], { cwd: root, env: envFor(database), reject: false });
      if (r.exitCode !== 0) throw new Error(`dbrollback migrate exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
      return Object.fromEntries(JSON.parse(r.stdout).steps.map((s) => [s.name, s.durationMs]));
    },
  };
  const times = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
  const steps = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? Object.keys(tools) : Object.keys(tools).reverse();
    for (const name of order) {
      const database = await fresh();
      const { ms, value } = await timed(() => tools[name](database));
      times[name].push(ms);
      if (value) steps.push(value);
      const head = await cluster.sql(database, 'SELECT name FROM pgmigrations ORDER BY run_on DESC, id DESC LIMIT 1');
      if (head[0]?.name !== '004_rename-order-note') throw new Error(`${name} did not apply 004 in ${database}`);
    }
  }
  const [raw, ours] = Object.keys(tools).map((k) => median(times[k]));
  log(`runs: ${runs} each`);
  for (const k of Object.keys(tools)) log(`${k}: median ${Math.round(median(times[k]))} ms`);
  for (const s of ['lock', 'select', 'classify', 'recovery', 'apply']) log(`  migrate step ${s}: median ${Math.round(median(steps.map((x) => x[s] ?? 0)))} ms`);
  log(`ratio (dbrollback / node-pg-migrate): ${(ours / raw).toFixed(2)}`);
} finally {
  await cluster.stop();
  await rm(storageRoot, { recursive: true, force: true });
}
