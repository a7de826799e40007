#!/usr/bin/env node
/**
 * Benchmark: the overhead of `dbrollback undo --count 1 --no-backup --yes`
 * (lock, plan, safety checks, fingerprints before the downs, the down,
 * verify, audit record) over node-pg-migrate's own `down 1`, on the shop
 * fixture at 004_rename-order-note (seeded after 002).
 *
 *   npm run build && node bench/undo.mjs [--runs 11] [--json]
 *
 * Both tools are run as a user runs them: the built CLI (dist/cli/main.js)
 * and node-pg-migrate's bin, each a fresh `node` process, with the database
 * URL in DATABASE_URL (never argv). Every run gets its own database cloned
 * with CREATE DATABASE ... TEMPLATE from one prepared template, so both
 * start from the same state; clones are made before the clock starts. Runs
 * alternate which tool goes first; medians are reported, with dbrollback's
 * per-step timings (from its --json report) and the Node start-up costs.
 * Not a timed test: it prints figures and exits 1 when the ratio is above
 * the 1.5 target.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../dist/pgtools/local-cluster.js';
import { cliMain, log, median, root, timed } from './common.mjs';

const npmBin = path.join(root, 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js');
const migrations = path.join('migrations-fixtures', 'node-pg-migrate', 'shop');
const seedFile = path.join(root, 'migrations-fixtures', 'seed.sql');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 11) || 11;
const TARGET = 1.5;

const ms = (x) => `${Math.round(x)}`;

const cluster = await startCluster();
const storageRoot = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-undo-'));
const envFor = (database) => ({ ...process.env, DATABASE_URL: cluster.url(database) });
try {
  // The template: 001-002, the seed rows, then 003-004 — the shop as it is in production.
  const template = 'shop_template';
  await cluster.createDatabase(template);
  const npmUp = (n) => execa('node', [npmBin, 'up', String(n), '-m', migrations], { cwd: root, env: envFor(template) });
  await npmUp(2);
  await cluster.sql(template, await readFile(seedFile, 'utf8'));
  await npmUp(2);
  const head = await cluster.sql(template, 'SELECT name FROM pgmigrations ORDER BY run_on DESC, id DESC LIMIT 1');
  if (head[0]?.name !== '004_rename-order-note') throw new Error(`template head is ${head[0]?.name}, expected 004_rename-order-note`);

  let clone = 0;
  const fresh = async () => {
    clone += 1;
    const name = `shop_run_${clone}`;
    await cluster.createDatabase(name, { template });
    return name;
  };
  const assertUndone = async (database, who) => {
    const rows = await cluster.sql(database, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'");
    const hist = await cluster.sql(database, "SELECT count(*)::int AS n FROM pgmigrations WHERE name = '004_rename-order-note'");
    if (rows[0].n !== 1 || hist[0].n !== 0) throw new Error(`${who} did not undo 004_rename-order-note in ${database}`);
  };

  const tools = {
    'node-pg-migrate down 1': async (database) => {
      const r = await execa('node', [npmBin, 'down', '1', '-m', migrations], { cwd: root, env: envFor(database), reject: false });
      if (r.exitCode !== 0) throw new Error(`node-pg-migrate down exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
      return null;
    },
    'dbrollback undo --count 1 --no-backup --yes': async (database) => {
      const storage = path.join(storageRoot, database);
      const spawnedAt = Date.now();
      const r = await execa('node', [cliMain, 'undo', '--count', '1', '--no-backup', '--yes', '--json', '--migrations', migrations, '--storage', storage], {
        cwd: root,
        env: envFor(database),
        reject: false,
      });
      if (r.exitCode !== 0) throw new Error(`dbrollback undo exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
      return phases(JSON.parse(r.stdout), spawnedAt, Date.now());
    },
  };
  /**
   * Wall time split by the report's step timings (startedAt + durationMs):
   * what comes before the lock step (process start, module loading, config,
   * opening storage and the adapter), the steps, the work between steps
   * (baseline fingerprints and catalog snapshot before the down; catalog diff
   * and parsing the downs after it), and what follows verify (audit record,
   * exit).
   */
  function phases(report, spawnedAt, exitedAt) {
    const ran = report.steps.filter((s) => s.startedAt !== null);
    const out = {};
    let cursor = spawnedAt;
    let prevName = 'start';
    for (const s of ran) {
      const at = Date.parse(s.startedAt);
      const gap = Math.max(0, at - cursor);
      const key = prevName === 'start' ? 'before lock (start-up, config, adapter)' : prevName === 'confirm' ? 'before down (baseline fingerprints, catalog snapshot)' : prevName === 'down' ? 'after down (catalog diff, parse downs)' : `between ${prevName} and ${s.name}`;
      if (gap > 0 || prevName === 'start') out[key] = (out[key] ?? 0) + gap;
      out[s.name] = s.durationMs;
      cursor = at + s.durationMs;
      prevName = s.name;
    }
    out['after verify (audit record, exit)'] = Math.max(0, exitedAt - cursor);
    return { steps: out };
  }

  const names = Object.keys(tools);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const steps = {};

  // One unmeasured round warms the page cache and Node's compile cache alike.
  for (const name of names) await tools[name](await fresh());
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const database = await fresh();
      const { ms: t, value } = await timed(() => tools[name](database));
      await assertUndone(database, name);
      await cluster.dropDatabase(database);
      times[name].push(t);
      if (value) for (const [k, v] of Object.entries(value.steps)) (steps[k] ??= []).push(v);
      log(`run ${i + 1}/${runs}: ${name} ${ms(t)} ms`);
    }
  }

  // Start-up costs, measured on their own (sequentially, same machine state).
  const startup = {
    'node -e 0': ['-e', '0'],
    "node -e \"import('./dist/index.js')\"": ['-e', "import('./dist/index.js')"],
    "node -e \"import('node-pg-migrate')\"": ['-e', "import('node-pg-migrate')"],
    // dbrollback's adapter also uses node-pg-migrate's own migration loader (its unbundled build).
    "node -e \"import('node-pg-migrate/runner')\"": ['-e', "import('node-pg-migrate/runner')"],
    'dbrollback --help': [cliMain, '--help'],
    'node-pg-migrate --help': [npmBin, '--help'],
  };
  const startupMs = {};
  for (const [name, argv] of Object.entries(startup)) {
    const xs = [];
    for (let i = 0; i < 7; i++) xs.push((await timed(() => execa('node', argv, { cwd: root }))).ms);
    startupMs[name] = median(xs);
  }

  const base = median(times[names[0]]);
  const ours = median(times[names[1]]);
  const ratio = ours / base;
  const stepMedians = Object.fromEntries(Object.entries(steps).filter(([, xs]) => median(xs) > 1).map(([k, xs]) => [k, median(xs)]));

  console.log(`shop fixture at 004_rename-order-note (seeded), PostgreSQL ${(await cluster.sql('postgres', 'SHOW server_version'))[0].server_version}, Node ${process.version}, ${os.cpus().length} CPUs, ${runs} alternating runs each`);
  console.log('');
  console.log('| what | median ms | min–max ms |');
  console.log('| --- | ---: | ---: |');
  for (const n of names) console.log(`| \`${n}\` | ${ms(median(times[n]))} | ${ms(Math.min(...times[n]))}–${ms(Math.max(...times[n]))} |`);
  console.log('');
  console.log(`ratio (median dbrollback / median node-pg-migrate): ${ratio.toFixed(2)} (target ≤ ${TARGET}): ${ratio <= TARGET ? 'ok' : 'ABOVE TARGET'}`);
  console.log('');
  console.log('where dbrollback\'s wall time goes (median ms per phase; steps from its --json report):');
  for (const [k, v] of Object.entries(stepMedians)) console.log(`  ${k.padEnd(56)} ${ms(v)}`);
  console.log('');
  console.log('start-up (median of 7, ms):');
  for (const [k, v] of Object.entries(startupMs)) console.log(`  ${k.padEnd(48)} ${ms(v)}`);
  if (args.includes('--json')) console.log(JSON.stringify({ runs, times, ratio, stepMedians, startupMs }));
  process.exitCode = ratio <= TARGET ? 0 : 1;
} finally {
  await cluster.stop();
  await rm(storageRoot, { recursive: true, force: true });
}
