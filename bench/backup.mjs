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
import { cliMain, flag, log, median, seconds, timed } from './common.mjs';

const scale = flag('--scale', 30);
const runs = flag('--runs', 5);
const restoreRuns = flag('--restore-runs', Math.min(runs, 3));

const mb = (kb) => (kb / 1024).toFixed(0);

const cluster = await startCluster();
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
  const tool = async (argv, env = toolEnv) => {
    const r = await execa('/usr/bin/time', ['-f', 'BENCH_RSS_KB=%M', process.execPath, cliMain, ...argv], { env, reject: false });
    if (r.exitCode !== 0) throw new Error(`dbrollback ${argv.join(' ')} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
    return { stdout: r.stdout, rssKb: Number(/BENCH_RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? 0) };
  };

  // ---- backup ----
  const dumpMs = [];
  const backupMs = [];
  const backupRss = [];
  const encryptedMs = [];
  let lastId;
  let lastEncryptedId;
  await execa('pg_dump', ['-Fc', '-f', rawFile], { env: pgEnv }); // warm the cache
  // The floor for the same work: pg_dump -Fc beside a one-pass row hash of every table (what the manifest's fingerprints cost).
  const tables = (await psql("SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables ORDER BY 1")).split('\n').filter(Boolean);
  const hashAll = tables.map((t) => `SELECT count(*), sum(hashint8extended(hash_record_extended(r, 0), 0)) FROM ONLY ${t} AS r;`).join(' ');
  const floorMs = [];
  const beforeMs = [];
  const beforeCli = process.argv.includes('--before') ? process.argv[process.argv.indexOf('--before') + 1] : null;
  for (let i = 0; i < runs; i++) {
    await rm(rawFile, { force: true });
    const raw = await timed(() => execa('pg_dump', ['-Fc', '-f', rawFile], { env: pgEnv }));
    dumpMs.push(raw.ms);
    await rm(rawFile, { force: true });
    const floor = await timed(() => Promise.all([execa('pg_dump', ['-Fc', '-f', rawFile], { env: pgEnv }), execa('psql', ['-X', '-q', '-c', hashAll], { env: pgEnv })]));
    floorMs.push(floor.ms);
    if (beforeCli) {
      const b = await timed(() => execa(process.execPath, [beforeCli, 'backup', '--label', `bench before ${i}`], { env: toolEnv }));
      beforeMs.push(b.ms);
      log(`backup run ${i + 1}/${runs}: floor ${seconds(floor.ms)} s, the build before ${seconds(b.ms)} s`);
    } else log(`backup run ${i + 1}/${runs}: floor ${seconds(floor.ms)} s`);
    const t = await timed(() => tool(['backup', '--label', `bench ${i}`]));
    backupMs.push(t.ms);
    backupRss.push(t.value.rssKb);
    lastId = t.value.stdout.trim();
    const e = await timed(() => tool(['backup', '--label', `bench ${i}`], encryptedEnv));
    encryptedMs.push(e.ms);
    backupRss.push(e.value.rssKb);
    lastEncryptedId = e.value.stdout.trim();
    log(`backup run ${i + 1}/${runs}: pg_dump -Fc -f ${seconds(raw.ms)} s, dbrollback backup ${seconds(t.ms)} s (peak RSS ${mb(t.value.rssKb)} MB), encrypted ${seconds(e.ms)} s`);
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

  const dumpMedian = median(dumpMs);
  const backupMedian = median(backupMs);
  const single = median(restoreMs['pg_restore (createdb + pg_restore, 1 job)']);
  console.log(`pgbench scale ${scale} (${size}; dump ${(await dumpSize / 1024 / 1024).toFixed(0)} MiB), PostgreSQL ${serverVersion}, ${os.cpus().length} CPUs, Node ${process.version}`);
  console.log('');
  console.log(`backup, median of ${runs} alternating runs:`);
  console.log('');
  console.log('| what | seconds | ratio | peak RSS |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| pg_dump -Fc -f FILE | ${seconds(dumpMedian)} | 1.00 | |`);
  console.log(`| dbrollback backup (file://) | ${seconds(backupMedian)} | **${(backupMedian / dumpMedian).toFixed(2)}** | ${mb(Math.max(...backupRss))} MB |`);
  console.log(`| dbrollback backup (file://, encrypted) | ${seconds(median(encryptedMs))} | **${(median(encryptedMs) / dumpMedian).toFixed(2)}** | |`);
  const floorMedian = median(floorMs);
  console.log(`| floor: pg_dump -Fc beside a row hash of every table | ${seconds(floorMedian)} | ${(floorMedian / dumpMedian).toFixed(2)} | |`);
  console.log('');
  console.log(`dbrollback backup / floor: **${(backupMedian / floorMedian).toFixed(2)}** (target ≤ 1.10)${beforeMs.length ? `; the build before (--before): ${seconds(median(beforeMs))} s, ${(median(beforeMs) / floorMedian).toFixed(2)} × the floor` : ''}`);
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
