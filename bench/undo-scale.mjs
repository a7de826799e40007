#!/usr/bin/env node
/**
 * Benchmark (issue #22): the cost of `undo` on a large database when the
 * down destroys little. A pgbench database (scale 300 by default, ~4.5 GB)
 * plus a small table `profiles` whose column `nickname` the newest
 * node-pg-migrate migration added (and whose down drops it); then, each run,
 * one of:
 *
 *   node-pg-migrate down 1                      (the tool alone: the floor)
 *   dbrollback undo --count 1 --backup full     (pg_dump of the whole database)
 *   dbrollback undo --count 1 --backup tables   (the rows of profiles + the schema)
 *   dbrollback undo --count 1 --backup auto     (restore point in the healthy WAL
 *                                                archive + the profiles backup)
 *
 * each as a user runs it (a fresh `node` process, the URL in DATABASE_URL,
 * --yes --accept-data-loss), after which the column is put back with
 * `node-pg-migrate up 1` and refilled (not timed). The cluster archives its
 * WAL with `dbrollback wal-push` into a local storage directory and has a
 * base backup (taken once, after pgbench -i, not timed), so `auto` finds the
 * archive healthy. Runs alternate the order; medians. Target: auto and
 * tables ≤ 1.5 × the tool's down + 3 s.
 *
 *   npm run build && node bench/undo-scale.mjs [--scale 300] [--runs 3] [--json] [--start-when FILE]
 */
import { execa } from 'execa';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../dist/pgtools/local-cluster.js';
import { cliMain, DEFAULT_DURABILITY, flag, hasFlag, loadAverage, log, median, root, seconds, timed } from './common.mjs';

const scale = flag('--scale', 300);
const runs = flag('--runs', 3);
const profiles = flag('--profiles', 10000);
const npmBin = path.join(root, 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js');

// What the run needs on disk, at most: the database (~15 MB per scale unit), pg_wal (max_wal_size 4 GB),
// a base backup (compressed, but counted whole), one full dump at a time, and slack.
const needBytes = (scale * 15.5 * 2 + 4096 + 2048) * 1024 * 1024;
const fsInfo = await statfs(os.tmpdir());
const freeBytes = fsInfo.bavail * fsInfo.bsize;
const gib = (b) => (b / 1024 ** 3).toFixed(1);
if (freeBytes < needBytes) {
  log(`${os.tmpdir()} has ${gib(freeBytes)} GiB free; pgbench scale ${scale} with its base backup and WAL needs about ${gib(needBytes)} GiB. Free some space or pass a smaller --scale.`);
  process.exit(2);
}
log(`disk: ${gib(freeBytes)} GiB free in ${os.tmpdir()}, about ${gib(needBytes)} GiB needed at scale ${scale}`);
const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-undo-scale-'));
await chmod(work, 0o755);
const storage = path.join(work, 'storage');
await mkdir(storage);
const migrations = path.join(work, 'migrations');
await mkdir(migrations);
const isRoot = process.getuid?.() === 0;
if (isRoot) {
  const { stdout } = await execa('id', ['-u', 'postgres']);
  const gid = Number((await execa('id', ['-g', 'postgres'])).stdout);
  await chown(storage, Number(stdout), gid);
}
// The archive_command: this CLI, as PostgreSQL runs it (no archiving while pgbench loads: /bin/true).
const walPush = `${process.execPath} ${cliMain} wal-push %p --storage ${storage}`;
const cluster = await startCluster({ settings: { ...DEFAULT_DURABILITY, wal_level: 'replica', archive_mode: 'on', archive_command: "'/bin/true'", max_wal_size: '4GB' } });
const database = 'bench';
try {
  await cluster.createDatabase(database);
  const conn = cluster.conn(database);
  const pgEnv = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: database };
  const env = { ...process.env, DATABASE_URL: cluster.url(database) };
  const psql = async (sql) => (await execa('psql', ['-X', '-At', '-c', sql], { env: pgEnv })).stdout;
  log(`pgbench -i -s ${scale} ...`);
  const load = await timed(() => execa('pgbench', ['-i', '-s', String(scale), '-q'], { env: pgEnv }));
  log(`loaded in ${seconds(load.ms)} s`);

  await writeFile(path.join(migrations, '001_profiles.js'), `export const up = (pgm) => {
  pgm.sql("CREATE TABLE profiles (id int PRIMARY KEY, aid int NOT NULL, bio text)");
  pgm.sql("INSERT INTO profiles SELECT g, g, 'bio ' || g FROM generate_series(1, ${profiles}) g");
};
export const down = (pgm) => pgm.sql('DROP TABLE profiles');
`);
  await writeFile(path.join(migrations, '002_profile-nickname.js'), `export const up = (pgm) => {
  pgm.sql('ALTER TABLE profiles ADD COLUMN nickname text');
};
export const down = (pgm) => pgm.sql('ALTER TABLE profiles DROP COLUMN nickname');
`);
  const npm = (...a) => execa('node', [npmBin, ...a, '-m', migrations], { cwd: root, env });
  await npm('up');
  const refill = () => psql("UPDATE profiles SET nickname = 'nick ' || id");
  await refill();
  await psql('VACUUM ANALYZE');
  const size = await psql('SELECT pg_size_pretty(pg_database_size(current_database()))');
  const serverVersion = await psql('SHOW server_version');

  // From now on the WAL goes to the archive; a base backup makes point-in-time recovery to now possible.
  await psql(`ALTER SYSTEM SET archive_command = '${walPush.replace(/'/g, "''")}'`);
  await psql('SELECT pg_reload_conf()');
  log('base backup (not timed) ...');
  const base = await timed(() => execa('node', [cliMain, 'base-backup', '--storage', storage], { env }));
  log(`base backup in ${seconds(base.ms)} s`);
  // The archive keeps up with the server, as on a production server that is not archiving a burst: `auto` checks exactly
  // that, so between runs (not timed) the WAL the last run and the reset finished is let through wal-push first.
  const archiveCaughtUp = async () => {
    let check;
    for (let i = 0; i < 120; i++) {
      check = await execa('node', [cliMain, 'backups', '--check', '--storage', storage], { env, reject: false });
      if (check.exitCode === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the archive did not become healthy within a minute:\n${check.stdout}\n${check.stderr}`);
  };
  // --start-when FILE: the untimed set-up (load, base backup) may run while the machine is busy; the timed runs start
  // once FILE exists (touch it when the machine is idle), with whatever dist/ is built then.
  const startWhen = process.argv.includes('--start-when') ? process.argv[process.argv.indexOf('--start-when') + 1] : '';
  if (startWhen) {
    log(`set up; the timed runs start when ${startWhen} exists`);
    while (!(await stat(startWhen).catch(() => null))) await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  await archiveCaughtUp();

  const columnThere = async () => (await psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'profiles' AND column_name = 'nickname'")) === '1';
  const undo = (mode) => async () => {
    const r = await execa('node', [cliMain, 'undo', '--count', '1', '--yes', '--accept-data-loss', '--backup', mode, '--json', '--migrations', migrations, '--storage', storage], { cwd: root, env, reject: false });
    if (r.exitCode !== 0) throw new Error(`undo --backup ${mode} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout);
    await checkReport(mode, report);
    return { taken: report.backup?.taken, steps: Object.fromEntries(report.steps.filter((s) => s.durationMs !== null).map((s) => [s.name, s.durationMs])) };
  };
  // Each run must have done what its mode promises: undone and verified, and the backup it says it took.
  const accounts = 100000 * scale;
  const checkReport = async (mode, report) => {
    const fail = (what) => {
      throw new Error(`undo --backup ${mode}: ${what}\n${JSON.stringify(report.backup, null, 2)}`);
    };
    if (report.ok !== true || report.verify?.ok !== true) fail(`not ok (outcome ${report.outcome}, verify ${report.verify?.ok})`);
    if (JSON.stringify(report.undone) !== JSON.stringify(['002_profile-nickname'])) fail(`undone ${JSON.stringify(report.undone)}`);
    const taken = report.backup?.taken;
    const backupId = report.backup?.backupId;
    const manifest = backupId ? JSON.parse(await readFile(path.join(storage, 'backups', backupId, 'manifest.json'), 'utf8')) : null;
    const expected = { full: 'full', tables: 'tables', auto: 'restore-point+tables' }[mode];
    if (taken !== expected) fail(`took "${taken}", expected "${expected}"`);
    if (!manifest?.verified) fail(`its backup ${backupId} was not read back and checked`);
    const rows = (t) => manifest.tables.find((x) => x.schema === 'public' && x.table === t)?.rows;
    if (rows('profiles') !== profiles) fail(`the backup holds ${rows('profiles')} rows of profiles, expected ${profiles}`);
    if (mode === 'full') {
      if (manifest.partial) fail('a full backup marked partial');
      if (rows('pgbench_accounts') !== accounts) fail(`the full backup holds ${rows('pgbench_accounts')} rows of pgbench_accounts, expected ${accounts}`);
    } else {
      if (JSON.stringify(manifest.partial?.tables) !== JSON.stringify(['public.profiles'])) fail(`the partial backup covers ${JSON.stringify(manifest.partial?.tables)}, expected only public.profiles`);
      if (mode === 'auto' && !report.backup.restorePoint?.lsn) fail('no restore point');
    }
  };
  const tools = {
    'node-pg-migrate down 1': async () => {
      await npm('down', '1');
      return null;
    },
    'dbrollback undo --backup full': undo('full'),
    'dbrollback undo --backup tables': undo('tables'),
    'dbrollback undo --backup auto': undo('auto'),
  };
  const names = Object.keys(tools);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const details = Object.fromEntries(names.map((n) => [n, []]));
  const reset = async () => {
    await npm('up');
    await refill();
    // The logical backups of earlier runs are not needed: keep the disk free (the base backup and the WAL archive stay).
    const dir = path.join(storage, 'backups');
    for (const id of await readdir(dir).catch(() => [])) {
      if (!(await readdir(path.join(dir, id))).includes('base.tar.gz')) await rm(path.join(dir, id), { recursive: true, force: true });
    }
    await archiveCaughtUp();
  };
  const loads = [];
  for (let i = 0; i < runs; i++) {
    loads.push(loadAverage());
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      if (!(await columnThere())) throw new Error('profiles.nickname is missing before a run');
      const { ms, value } = await timed(() => tools[name]());
      if (await columnThere()) throw new Error(`${name} did not drop profiles.nickname`);
      times[name].push(ms);
      if (value) details[name].push(value);
      log(`run ${i + 1}/${runs} (load ${loadAverage()}): ${name} ${seconds(ms)} s${value ? ` (${value.taken}; ${Object.entries(value.steps).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);
      await reset();
    }
  }

  const floor = median(times[names[0]]);
  const target = 1.5 * floor + 3000;
  console.log(`pgbench scale ${scale} (${size}) + profiles (${profiles} rows), PostgreSQL ${serverVersion}, Node ${process.version}, ${os.cpus().length} CPUs, load average ${loads.join(', ')} at the start of each round and ${loadAverage()} at the end, ${runs} alternating runs`);
  console.log('');
  console.log('| what | median s | ratio to the down | within 1.5 × down + 3 s |');
  console.log('| --- | ---: | ---: | --- |');
  for (const n of names) {
    const m = median(times[n]);
    console.log(`| \`${n}\` | ${seconds(m)} | ${(m / floor).toFixed(2)} | ${n === names[0] ? '' : m <= target ? 'yes' : 'no'} |`);
  }
  console.log('');
  console.log(`target for auto/tables: ≤ ${seconds(target)} s`);
  for (const n of names.slice(1)) {
    const steps = {};
    for (const d of details[n]) for (const [k, v] of Object.entries(d.steps)) (steps[k] ??= []).push(v);
    console.log(`${n} (${details[n][0]?.taken}): ${Object.entries(steps).map(([k, xs]) => `${k} ${median(xs)} ms`).join(', ')}`);
  }
  if (hasFlag('--json')) console.log(JSON.stringify({ scale, runs, times, details }));
  const ok = ['dbrollback undo --backup tables', 'dbrollback undo --backup auto'].every((n) => median(times[n]) <= target);
  process.exitCode = ok ? 0 : 1;
} finally {
  await cluster.stop();
  await rm(work, { recursive: true, force: true });
}
