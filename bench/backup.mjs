#!/usr/bin/env node
/**
 * Benchmark: `dbrollback backup` and `dbrollback restore` against the raw
 * tools on a pgbench database (scale 30 by default) in a throwaway cluster.
 *
 *   npm run build && node bench/backup.mjs [--scale 30] [--runs 5]
 *
 * backup:  `dbrollback backup --storage file://DIR` (pg_dump -Fc streamed into
 *          storage, sha256 on the fly, fingerprints in the dump's snapshot,
 *          read-back check, manifest) vs `pg_dump -Fc -f FILE` alone.
 * restore: `dbrollback restore --backup ID --target-database NEW` (download
 *          with sha256 check, CREATE DATABASE, pg_restore, fingerprint
 *          comparison with the manifest) vs `createdb` + `pg_restore -d` from a
 *          local file, single job and -j 2.
 * encrypted: the same two commands with DBROLLBACK_ENCRYPTION_KEY set (every
 *          object AES-256-GCM sealed on its way in, authenticated on its way out).
 * Runs alternate (raw, tool, raw, tool, ...) so background load hits both
 * alike; medians are reported. The tool's peak RSS comes from /usr/bin/time
 * (the largest of the node process and the children it waited for).
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../dist/pgtools/local-cluster.js';
import { cliMain, cpuMeter, DEFAULT_DURABILITY, flag, loadAverage, log, measured, median, seconds, timed } from './common.mjs';

const scale = flag('--scale', 30);
const runs = flag('--runs', 5);
const restoreRuns = flag('--restore-runs', Math.min(runs, 3));

const mb = (kb) => (kb / 1024).toFixed(0);

const cluster = await startCluster({ settings: DEFAULT_DURABILITY });
const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-backup-'));
try {
  const database = 'bench';
  await cluster.createDatabase(database);
  const conn = cluster.conn(database);
  const pgEnv = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: database };
  log(`pgbench -i -s ${scale} ...`);
  await execa('pgbench', ['-i', '-s', String(scale), '-q'], { env: pgEnv });
  await execa('psql', ['-X', '-q', '-c', 'VACUUM ANALYZE'], { env: pgEnv });
  const psql = async (sql, db = database) => (await execa('psql', ['-X', '-At', '-d', db, '-c', sql], { env: pgEnv })).stdout;
  const size = await psql('SELECT pg_size_pretty(pg_database_size(current_database()))');
  const serverVersion = await psql('SHOW server_version');

  const storageDir = path.join(work, 'storage');
  const storage = `file://${storageDir}`;
  const rawFile = path.join(work, 'raw.pgcustom');
  // The password travels in the environment only (DATABASE_URL), never argv.
  const toolEnv = { ...process.env, DATABASE_URL: cluster.url(database), DBROLLBACK_STORAGE: storage };
  const encryptedEnv = { ...toolEnv, DBROLLBACK_STORAGE: `file://${path.join(work, 'encrypted')}`, DBROLLBACK_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
  const tool = async (argv, env = toolEnv, main = cliMain) => {
    const r = await execa('/usr/bin/time', ['-f', 'BENCH_RSS_KB=%M', process.execPath, main, ...argv], { env, reject: false });
    if (r.exitCode !== 0) throw new Error(`dbrollback ${argv.join(' ')} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
    // DBROLLBACK_TRACE lines: ms since the process started, and the phase reached.
    const seen = {};
    const phases = [...r.stderr.matchAll(/^dbrollback-trace (\S+) (\S+) (.+)$/gm)].map((m) => {
      seen[m[3]] = (seen[m[3]] ?? 0) + 1;
      return [seen[m[3]] > 1 ? `${m[3]} #${seen[m[3]]}` : m[3], { wall: Number(m[1]), cpu: Number(m[2]) }];
    });
    return { stdout: r.stdout, rssKb: Number(/BENCH_RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? 0), phases };
  };
  const meter = await cpuMeter(cluster.dataDir);

  // ---- backup ----
  await execa('pg_dump', ['-Fc', '-f', rawFile], { env: pgEnv }); // warm the cache
  // The floor for the same work: pg_dump -Fc beside a one-pass row hash of every table (what the manifest's fingerprints cost).
  const tables = (await psql("SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables ORDER BY 1")).split('\n').filter(Boolean);
  const hashAll = tables.map((t) => `SELECT count(*), sum(hashint8extended(hash_record_extended(r, 0), 0)) FROM ONLY ${t} AS r;`).join(' ');
  const beforeCli = process.argv.includes('--before') ? process.argv[process.argv.indexOf('--before') + 1] : null;
  let lastId;
  let lastEncryptedId;
  const rawDump = async () => {
    await rm(rawFile, { force: true });
    return execa('pg_dump', ['-Fc', '-f', rawFile], { env: pgEnv });
  };
  const variants = {
    'floor: pg_dump -Fc beside the row hash of every table': async () => {
      await rm(rawFile, { force: true });
      return Promise.all([execa('pg_dump', ['-Fc', '-f', rawFile], { env: pgEnv }), execa('psql', ['-X', '-q', '-c', hashAll], { env: pgEnv })]);
    },
    'dbrollback backup (file://)': async () => {
      const r = await tool(['backup', '--label', 'bench'], { ...toolEnv, DBROLLBACK_TRACE: '1' });
      lastId = r.stdout.trim();
      return r;
    },
    ...(beforeCli ? { 'dbrollback backup, the build before (--before)': () => tool(['backup', '--label', 'bench before'], toolEnv, beforeCli) } : {}),
    'pg_dump -Fc -f FILE alone': rawDump,
    'dbrollback backup (file://, encrypted)': async () => {
      const r = await tool(['backup', '--label', 'bench'], encryptedEnv);
      lastEncryptedId = r.stdout.trim();
      return r;
    },
  };
  // One untimed run of each build first: a user's backups run with the code cache (src/cli/code-cache.ts) that the
  // first run of a command writes, and the OS's file cache warm.
  await tool(['backup', '--label', 'bench warm-up']);
  if (beforeCli) await tool(['backup', '--label', 'bench warm-up'], toolEnv, beforeCli);
  const names = Object.keys(variants);
  const wall = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const backupRss = [];
  const phases = {};
  const loads = [];
  for (let i = 0; i < runs; i++) {
    loads.push(loadAverage());
    // The pair that matters (floor, this build, the build before) rotates its order every round.
    const timedNames = names.slice(0, beforeCli ? 3 : 2);
    const rotated = [...timedNames.slice(i % timedNames.length), ...timedNames.slice(0, i % timedNames.length)];
    const order = [...rotated, ...names.filter((n) => !timedNames.includes(n))];
    const line = [];
    for (const name of order) {
      const r = await measured(meter, variants[name]);
      wall[name].push(r.ms);
      cpu[name].push(r.cpu.total);
      if (r.value?.rssKb) backupRss.push(r.value.rssKb);
      for (const [phase, ms] of r.value?.phases ?? []) (phases[phase] ??= []).push(ms);
      line.push(`${name} ${seconds(r.ms)} s wall, ${seconds(r.cpu.total)} s CPU (client ${seconds(r.cpu.client)}, server ${seconds(r.cpu.server)})${r.value?.rssKb ? `, peak RSS ${mb(r.value.rssKb)} MB` : ''}`);
    }
    log(`backup round ${i + 1}/${runs} (load average ${loads[i]} → ${loadAverage()}):\n  ${line.join('\n  ')}`);
  }
  const dumpSize = (await import('node:fs/promises')).stat(rawFile).then((s) => s.size);

  // ---- restore ----
  let n = 0;
  const fresh = () => `restore_${++n}`;
  const drop = (db) => psql(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`, 'postgres');
  const pgRestore = (jobs) => async () => {
    const db = fresh();
    const r = await timed(async () => {
      await execa('createdb', [db], { env: pgEnv });
      await execa('pg_restore', ['--exit-on-error', '-d', db, ...(jobs > 1 ? ['-j', String(jobs)] : []), rawFile], { env: pgEnv });
    });
    await drop(db);
    return r;
  };
  const toolRestore = (jobs, encrypted = false) => async () => {
    const db = fresh();
    const r = await timed(() => tool(['restore', '--backup', encrypted ? lastEncryptedId : lastId, '--target-database', cluster.url(db), '--jobs', String(jobs)], encrypted ? encryptedEnv : toolEnv));
    await drop(db);
    return r;
  };
  const restoreVariants = {
    'pg_restore (createdb + pg_restore, 1 job)': pgRestore(1),
    'dbrollback restore --jobs 1': toolRestore(1),
    'pg_restore -j 2 (createdb + pg_restore)': pgRestore(2),
    'dbrollback restore --jobs 2': toolRestore(2),
    'dbrollback restore --jobs 1, encrypted storage': toolRestore(1, true),
  };
  const restoreMs = Object.fromEntries(Object.keys(restoreVariants).map((k) => [k, []]));
  const restoreRss = [];
  for (let i = 0; i < restoreRuns; i++) {
    for (const [name, fn] of Object.entries(restoreVariants)) {
      const r = await fn();
      restoreMs[name].push(r.ms);
      if (r.value?.rssKb) restoreRss.push(r.value.rssKb);
      log(`restore run ${i + 1}/${restoreRuns}: ${name} ${seconds(r.ms)} s${r.value?.rssKb ? ` (peak RSS ${mb(r.value.rssKb)} MB)` : ''}`);
    }
  }

  const single = median(restoreMs['pg_restore (createdb + pg_restore, 1 job)']);
  console.log(`pgbench scale ${scale} (${size}; dump ${(await dumpSize / 1024 / 1024).toFixed(0)} MiB), PostgreSQL ${serverVersion} (default durability), ${os.cpus().length} CPUs, Node ${process.version}`);
  console.log('');
  console.log(`backup, median of ${runs} rounds (the first ${beforeCli ? 'three' : 'two'} rows rotate their order each round); load average ${loads.join(', ')} at the start of each round, ${loadAverage()} at the end:`);
  console.log('');
  console.log('| what | wall s | wall / floor | CPU s (client + server) | CPU / floor | peak RSS |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const floorName = names[0];
  for (const n of names) {
    const rss = n === 'dbrollback backup (file://)' ? `${mb(Math.max(...backupRss))} MB` : '';
    console.log(`| ${n} | ${seconds(median(wall[n]))} | ${(median(wall[n]) / median(wall[floorName])).toFixed(2)} | ${seconds(median(cpu[n]))} | ${(median(cpu[n]) / median(cpu[floorName])).toFixed(2)} | ${rss} |`);
  }
  console.log('');
  console.log(`dbrollback backup / floor: **${(median(wall['dbrollback backup (file://)']) / median(wall[floorName])).toFixed(2)}** wall, **${(median(cpu['dbrollback backup (file://)']) / median(cpu[floorName])).toFixed(2)}** CPU (target ≤ 1.10)`);
  console.log('');
  console.log('phases of dbrollback backup (DBROLLBACK_TRACE=1), medians since the process started:');
  console.log('');
  console.log('| phase reached | wall ms | CPU ms of the node process |');
  console.log('| --- | ---: | ---: |');
  const wallOf = (xs) => median(xs.map((x) => x.wall));
  for (const [phase, xs] of Object.entries(phases).sort((a, b) => wallOf(a[1]) - wallOf(b[1]))) console.log(`| ${phase} | ${wallOf(xs).toFixed(0)} | ${median(xs.map((x) => x.cpu)).toFixed(0)} |`);
  // --restore-runs 0: backup figures only.
  if (restoreRuns > 0) {
    console.log('');
    console.log(`restore, median of ${restoreRuns} alternating runs (ratio to single-job pg_restore):`);
    console.log('');
    console.log('| what | seconds | ratio | peak RSS |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const [name, xs] of Object.entries(restoreMs)) {
      const rss = name.startsWith('dbrollback') ? `${mb(Math.max(...restoreRss))} MB` : '';
      console.log(`| ${name} | ${seconds(median(xs))} | ${(median(xs) / single).toFixed(2)} | ${rss} |`);
    }
  }
} finally {
  await cluster.stop();
  await rm(work, { recursive: true, force: true });
}
