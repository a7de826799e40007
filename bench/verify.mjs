#!/usr/bin/env node
/**
 * Benchmark: `dbrollback verify` (every check, fingerprints of every table)
 * against the manual way of proving a database unchanged — `pg_dump -Fp |
 * sha256sum` — on a pgbench scale-30 database (3 M accounts, ~450 MB).
 *
 *   npm run build && node bench/verify.mjs [--scale 30] [--runs 5]
 *
 * Runs are interleaved (manual, verify, manual, ...) so background load hits
 * both alike; the median of each is reported. Uses the built package (dist/)
 * and the built CLI, as a user would. Not a timed test: it prints figures.
 */
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { fingerprint, resolveConfig, verify } from '../dist/index.js';
import { startCluster } from '../dist/pgtools/local-cluster.js';
import { cliMain, flag, log, median, seconds, timed } from './common.mjs';

const scale = flag('--scale', 30);
const runs = flag('--runs', 5);

const timedMs = async (fn) => (await timed(fn)).ms;

const cluster = await startCluster();
const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-verify-'));
try {
  const database = 'bench';
  await cluster.createDatabase(database);
  const conn = cluster.conn(database);
  const env = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: database };
  log(`pgbench -i -s ${scale} ...`);
  await execa('pgbench', ['-i', '-s', String(scale), '-q'], { env });
  await execa('psql', ['-X', '-q', '-c', 'VACUUM ANALYZE'], { env });
  const { stdout: size } = await execa('psql', ['-X', '-At', '-c', 'SELECT pg_size_pretty(pg_database_size(current_database()))'], { env });
  const { stdout: serverVersion } = await execa('psql', ['-X', '-At', '-c', 'SHOW server_version'], { env });

  // The baseline a backup would have recorded: fingerprints of the intact database.
  const client = new pg.Client({ ...conn });
  await client.connect();
  const baselineFile = path.join(work, 'baseline.json');
  await writeFile(baselineFile, JSON.stringify({ tables: await fingerprint(client) }));
  await client.end();

  const url = cluster.url(database);
  const manual = () => execa('sh', ['-c', 'pg_dump -Fp | sha256sum'], { env });
  const cli = (...extra) => async () => {
    // The password travels in the environment only (DATABASE_URL), never argv.
    const r = await execa('node', [cliMain, 'verify', '--baseline-file', baselineFile, ...extra], { env: { ...process.env, DATABASE_URL: url }, reject: false });
    if (r.exitCode !== 0) throw new Error(`verify exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
  };
  const config = await resolveConfig({ databaseUrl: url }, { cwd: work, env: {} });
  const inProcess = (jobs) => async () => {
    const report = await verify(config, { baselineFile, jobs });
    if (!report.ok) throw new Error(`verify failed: ${JSON.stringify(report.checks)}`);
  };

  const variants = {
    'pg_dump -Fp | sha256sum': manual,
    'dbrollback verify --jobs 2 (CLI)': cli('--jobs', '2'),
    'dbrollback verify --jobs 1 (CLI)': cli('--jobs', '1'),
    'verify({ jobs: 2 }) in-process': inProcess(2),
  };
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  // Warm the cache once (both read the same heap pages).
  await manual();
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(variants)) {
      const ms = await timedMs(fn);
      times[name].push(ms);
      log(`run ${i + 1}/${runs}: ${name} ${seconds(ms)} s`);
    }
  }
  // Last (it leaves amcheck installed): the same gate with amcheck on top.
  const amcheckMs = [];
  for (let i = 0; i < Math.min(runs, 3); i++) amcheckMs.push(await timedMs(cli('--jobs', '2', '--install-amcheck')));

  const base = median(times['pg_dump -Fp | sha256sum']);
  const rows = Object.entries(times).map(([name, xs]) => [name, seconds(median(xs)), (median(xs) / base).toFixed(2)]);
  rows.push(['dbrollback verify --jobs 2 --install-amcheck (CLI)', seconds(median(amcheckMs)), (median(amcheckMs) / base).toFixed(2)]);
  const startups = [];
  for (let i = 0; i < 3; i++) startups.push(await timedMs(() => execa('node', [cliMain, '--help'])));
  const nodeStart = median(startups);
  console.log(`pgbench scale ${scale} (${size}), PostgreSQL ${serverVersion}, ${os.cpus().length} CPUs, median of ${runs} interleaved runs`);
  console.log('');
  console.log('| what | seconds | ratio to pg_dump \\| sha256sum |');
  console.log('| --- | ---: | ---: |');
  for (const [name, s, ratio] of rows) console.log(`| ${name.replace(/\|/g, '\\|')} | ${s} | ${ratio} |`);
  console.log('');
  console.log(`CLI start-up alone (dbrollback --help): ${seconds(nodeStart)} s`);
} finally {
  await cluster.stop();
  await rm(work, { recursive: true, force: true });
}
