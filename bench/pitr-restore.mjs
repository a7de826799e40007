#!/usr/bin/env node
/**
 * Benchmark: point-in-time restore, `dbrollback restore --point-in-time T
 * --data-dir DIR` against `pgbackrest restore --type=time` on the same
 * cluster, the same base backup moment and the same WAL — pgBackRest's
 * archive-get both synchronous and asynchronous (archive-async=y,
 * process-max=2, a spool path), as its users run it.
 *
 *   npm run build && node bench/pitr-restore.mjs [--scale 20] [--wal-mb 300] [--runs 3]
 *
 * The cluster runs on PostgreSQL's default durability settings (fsync,
 * synchronous_commit, full_page_writes on; default shared_buffers and
 * max_wal_size): replay of full-page images is what users' restores do.
 *
 * One throwaway cluster archives every WAL file into both archives
 * (archive_command = dbrollback's marker form of wal-push && pgbackrest
 * archive-push; both gzip, pgBackRest on a posix repository with
 * compress-type=gz). After
 * pgbench -i, each tool takes a full base backup; then pgbench writes about
 * --wal-mb of WAL, the target time is taken, more writes follow (the damage),
 * and the last segment is archived.
 *
 * Each run restores into a new directory and stops once the copy has
 * promoted at the target:
 *   pgbackrest: `pgbackrest restore --type=time --target=T
 *               --target-action=promote`, port and archive_mode=off appended
 *               (as dbrollback does), pg_ctl start, wait until
 *               pg_is_in_recovery() is false, check, pg_ctl stop — once with
 *               archive-get synchronous, once asynchronous;
 *   dbrollback: `restore --point-in-time T --data-dir DIR` (choose base,
 *               check the WAL chain, extract, configure, start, recover,
 *               verify gate, stop).
 * Every copy is checked: sum(abalance) and count(*) of pgbench_history equal
 * the primary's at the target. Runs alternate (pgbackrest sync, pgbackrest
 * async, dbrollback, ...); medians are reported.
 */
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, isRoot, startCluster } from '../dist/pgtools/local-cluster.js';
import { archiveCommandWithMarkers } from '../dist/index.js';
import { cliMain, flag, log, median, seconds, timed } from './common.mjs';

const scale = flag('--scale', 20);
const walMb = flag('--wal-mb', 300);
const runs = flag('--runs', 3);
/** `--base-cli PATH`: also restore with another build's dist/cli/main.js, alternating with the others (A/B in one run). */
const baseCli = process.argv.includes('--base-cli') ? path.resolve(process.argv[process.argv.indexOf('--base-cli') + 1]) : null;

const osUser = isRoot() ? 'postgres' : undefined;
const asServer = (file, args, options = {}) => (osUser ? execa('runuser', ['-u', osUser, '--', file, ...args], options) : execa(file, args, options));
const quote = (s) => (/^[\w./:=@+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-pitr-'));
await chmod(work, 0o777);
const storageDir = path.join(work, 'storage');
const pgbrConf = path.join(work, 'pgbackrest.conf');
const pgbrAsyncConf = path.join(work, 'pgbackrest-async.conf');
for (const dir of [storageDir, path.join(work, 'pgbr-repo'), path.join(work, 'pgbr-lock'), path.join(work, 'pgbr-spool'), path.join(work, 'restores')]) {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o777);
}
const walPush = `${quote(process.execPath)} ${quote(cliMain)} wal-push %p --storage ${quote(storageDir)}`;
const archivePush = `pgbackrest --config=${quote(pgbrConf)} --stanza=bench archive-push %p`;
const cluster = await startCluster({
  settings: {
    wal_level: "'replica'",
    archive_mode: "'on'",
    archive_command: `'${`{ ${archiveCommandWithMarkers(walPush)}; } && ${archivePush}`.replace(/'/g, "''")}'`,
    // PostgreSQL's defaults, over the harness's test settings (fsync=off and friends).
    fsync: 'on',
    synchronous_commit: 'on',
    full_page_writes: 'on',
    shared_buffers: "'128MB'",
  },
});
try {
  const conn = cluster.conn('postgres');
  const pgEnv = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: 'postgres' };
  const psql = async (sql) => (await execa('psql', ['-X', '-At', '-c', sql], { env: pgEnv })).stdout;
  const pgCtl = (await execa('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1'])).stdout.trim();
  await writeFile(
    pgbrConf,
    [
      '[global]',
      `repo1-path=${path.join(work, 'pgbr-repo')}`,
      'repo1-type=posix',
      'compress-type=gz',
      'repo1-retention-full=2',
      'start-fast=y',
      'log-level-console=warn',
      'log-level-file=off',
      `lock-path=${path.join(work, 'pgbr-lock')}`,
      `spool-path=${path.join(work, 'pgbr-spool')}`,
      '',
      '[bench]',
      `pg1-path=${cluster.dataDir}`,
      `pg1-port=${cluster.port}`,
      `pg1-socket-path=${cluster.socketDir}`,
      'pg1-user=postgres',
      '',
    ].join('\n'),
  );
  await chmod(pgbrConf, 0o644);
  // The same repository, read asynchronously: archive-get keeps a queue of segments ahead in the spool path.
  await writeFile(pgbrAsyncConf, (await readFile(pgbrConf, 'utf8')).replace('[global]\n', '[global]\narchive-async=y\nprocess-max=2\n'));
  await chmod(pgbrAsyncConf, 0o644);
  const pgbackrest = (args) => asServer('pgbackrest', [`--config=${pgbrConf}`, '--stanza=bench', ...args], { env: { ...process.env, PGPASSWORD: conn.password } });
  const toolEnv = { ...process.env, DATABASE_URL: cluster.url('postgres'), DBROLLBACK_STORAGE: storageDir };
  const dbrollback = (args, cli = cliMain) => execa(process.execPath, [cli, ...args], { env: toolEnv });
  const waitArchived = async (last) => {
    log(`waiting for both archives to reach ${last} ...`);
    for (;;) {
      const archived = await psql('SELECT last_archived_wal FROM pg_stat_archiver');
      if (archived >= last) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  log(`pgbench -i -s ${scale} ...`);
  await execa('pgbench', ['-i', '-s', String(scale), '-q'], { env: pgEnv });
  await pgbackrest(['stanza-create']);
  // pgbench -i writes scale × ~15 MB of WAL: let both archives catch up first, or pgBackRest's backup gives up
  // waiting for its start segment (archive-timeout) on a loaded machine.
  await waitArchived(await psql('SELECT pg_walfile_name(pg_switch_wal())'));
  log('base backups (pgbackrest backup --type=full, dbrollback base-backup) ...');
  const pgbrBackup = await timed(() => pgbackrest(['--type=full', 'backup']));
  const ourBackup = await timed(() => dbrollback(['base-backup']));
  const startLsn = await psql('SELECT pg_current_wal_lsn()');
  log(`pgbench until ~${walMb} MB of WAL ...`);
  while (Number(await psql(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${startLsn}')`)) < walMb * 1024 * 1024) {
    // Time-bounded rounds: with synchronous commits on a busy disk, a fixed transaction count can take minutes.
    await execa('pgbench', ['-c', '2', '-T', '10', '-n'], { env: pgEnv });
    log(`  ${(Number(await psql(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${startLsn}')`)) / 1048576).toFixed(0)} MB of WAL`);
  }
  const walBytes = Number(await psql(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${startLsn}')`));
  const target = await psql(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`);
  const expected = await psql('SELECT sum(abalance)::text || \' \' || (SELECT count(*) FROM pgbench_history)::text FROM pgbench_accounts');
  await new Promise((r) => setTimeout(r, 50));
  await psql('UPDATE pgbench_accounts SET abalance = 0 WHERE aid % 10 = 0');
  await waitArchived(await psql('SELECT pg_walfile_name(pg_switch_wal())'));
  const serverVersion = await psql('SHOW server_version');

  const check = async (port) => {
    const sum = (await execa('psql', ['-X', '-At', '-c', 'SELECT sum(abalance)::text || \' \' || (SELECT count(*) FROM pgbench_history)::text FROM pgbench_accounts'], { env: { ...pgEnv, PGPORT: String(port) } })).stdout;
    if (sum !== expected) throw new Error(`restored copy has sum and history rows ${sum}, expected ${expected}`);
  };
  let n = 0;
  const restoreDir = async () => {
    const dir = path.join(work, 'restores', `r${++n}`);
    await mkdir(dir, { mode: 0o700 });
    if (osUser) await execa('chown', [`${osUser}:`, dir]);
    return dir;
  };

  const pgbackrestRestore = (conf, key) => async () => {
    const dir = await restoreDir();
    const port = await freePort();
    return timed(async () => {
      // archive-get checks that it runs in pg1-path: the copy's directory, not the primary's.
      const restoreCommand = `pgbackrest --config=${conf} --stanza=bench --pg1-path=${dir} archive-get %f "%p"`;
      const restored = await timed(() => asServer('pgbackrest', [`--config=${conf}`, '--stanza=bench', `--pg1-path=${dir}`, '--type=time', `--target=${target}+00`, '--target-action=promote', `--recovery-option=restore_command=${restoreCommand}`, 'restore'], { env: { ...process.env, PGPASSWORD: conn.password } }));
      phases[key].push(restored.ms);
      await appendFile(path.join(dir, 'postgresql.auto.conf'), `\nport = ${port}\narchive_mode = 'off'\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n`);
      await asServer(pgCtl, ['-D', dir, '-l', path.join(dir, 'bench.log'), '-W', 'start']);
      for (;;) {
        const r = await execa('psql', ['-X', '-At', '-c', 'SELECT pg_is_in_recovery()'], { env: { ...pgEnv, PGPORT: String(port) }, reject: false });
        if (r.exitCode === 0 && r.stdout === 'f') break;
        // A copy whose recovery failed has exited: say so instead of waiting forever.
        // pg_ctl status can miss a server for a moment while it rewrites postmaster.pid (promotion): ask twice.
        const running = async () => (await asServer(pgCtl, ['-D', dir, 'status'], { reject: false })).exitCode === 0;
        if (!(await running()) && (await new Promise((res) => setTimeout(res, 1000)), !(await running()))) {
          const tail = (await readFile(path.join(dir, 'bench.log'), 'utf8').catch(() => '')).trim().split('\n').slice(-8).join('\n');
          throw new Error(`the pgBackRest copy in ${dir} stopped during recovery; its log ends:\n${tail}`);
        }
        await new Promise((res) => setTimeout(res, 100));
      }
      await check(port);
      await asServer(pgCtl, ['-D', dir, '-m', 'fast', '-w', 'stop']);
    }).finally(() => rm(dir, { recursive: true, force: true }));
  };
  const dbrollbackRestore = (cli, key) => async () => {
    const dir = path.join(work, 'restores', `r${++n}`);
    const port = await freePort();
    return timed(async () => {
      const { stdout } = await dbrollback(['restore', '--point-in-time', `${target}Z`, '--data-dir', dir, '--port', String(port), '--json'], cli);
      const report = JSON.parse(stdout);
      phases[key].push(report.steps);
      staged[key].push(`${report.staging?.takenByServer ?? 0}/${report.recovery?.segmentsFetched ?? 0}`);
      await check(port);
      await asServer(pgCtl, ['-D', dir, '-m', 'fast', '-w', 'stop']);
    }).finally(() => rm(dir, { recursive: true, force: true }));
  };
  const SYNC = 'pgbackrest restore --type=time, archive-get sync + start + recover + check + stop';
  const ASYNC = 'pgbackrest restore --type=time, archive-get async (process-max=2) + start + recover + check + stop';
  const variants = {
    [SYNC]: pgbackrestRestore(pgbrConf, 'sync'),
    [ASYNC]: pgbackrestRestore(pgbrAsyncConf, 'async'),
    'dbrollback restore --point-in-time': dbrollbackRestore(cliMain, 'dbrollback'),
    // A/B in the same run: another build's CLI (e.g. main's), restoring the same backup to the same target.
    ...(baseCli ? { [`dbrollback restore --point-in-time, base build (${baseCli})`]: dbrollbackRestore(baseCli, 'base') } : {}),
  };
  // Where the time goes: pgbackrest's restore command (files only) vs dbrollback's steps.
  const phases = { sync: [], async: [], dbrollback: [], base: [] };
  const staged = { dbrollback: [], base: [] };
  const ms = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(variants)) {
      // Every run starts from the same disk state: the previous copy (already removed) and anything else written so far flushed.
      await execa('sync');
      const r = await fn();
      ms[name].push(r.ms);
      log(`run ${i + 1}/${runs}: ${name} ${seconds(r.ms)} s`);
    }
  }
  const baseline = median(ms[ASYNC]);
  const sync = median(ms[SYNC]);
  console.log(`pgbench scale ${scale}, ${(walBytes / 1024 / 1024).toFixed(0)} MB of WAL after the base backups, PostgreSQL ${serverVersion}, ${os.cpus().length} CPUs, Node ${process.version}`);
  console.log(`base backups: pgbackrest ${seconds(pgbrBackup.ms)} s, dbrollback base-backup ${seconds(ourBackup.ms)} s (one run each, not the measured part)`);
  console.log('');
  console.log(`restore to a time, median of ${runs} alternating runs (default durability settings; load average ${os.loadavg()[0].toFixed(1)} at the end):`);
  console.log('');
  console.log('| what | seconds | vs pgBackRest async | vs pgBackRest sync |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, xs] of Object.entries(ms)) console.log(`| ${name} | ${seconds(median(xs))} | ${(median(xs) / baseline).toFixed(2)} | ${(median(xs) / sync).toFixed(2)} |`);
  console.log('');
  console.log(`phases (medians): pgbackrest restore command ${seconds(median(phases.sync))} s (sync) / ${seconds(median(phases.async))} s (async), the rest is start + recovery + check + stop`);
  for (const key of baseCli ? ['dbrollback', 'base'] : ['dbrollback']) {
    const label = key === 'base' ? 'dbrollback (base build)' : 'dbrollback';
    console.log(`${label}: segments the server took from the staging spool / segments it restored, per run: ${staged[key].join(', ')}`);
    const step = (name) => median(phases[key].map((steps) => steps.find((s) => s.name === name)?.durationMs ?? 0));
    console.log(`${label} steps: ${['choose-base', 'check-wal', 'extract', 'configure', 'start', 'recover', 'verify'].map((n) => `${n} ${seconds(step(n))} s`).join(', ')}`);
    // The extract step lasts as long as the slower of the copy and check-wal's reading-on beside it: both, per run.
    console.log(`${label} extract step, per run: ${phases[key].map((steps) => /\(laid down in [^)]*\)/.exec(steps.find((s) => s.name === 'extract')?.detail ?? '')?.[0] ?? '?').join('; ')}`);
  }
} finally {
  // A failure to clean up must not hide the failure that got us here.
  await cluster.stop().catch((err) => log(`stopping the bench cluster: ${err.message}`));
  await rm(work, { recursive: true, force: true }).catch(() => undefined);
}
