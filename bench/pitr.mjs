#!/usr/bin/env node
/**
 * Benchmark: the WAL archive and base backups against pgBackRest (Debian's
 * `pgbackrest`, posix repository, gz level 6 like dbrollback) on the same
 * throwaway cluster (pgbench scale 20 by default: a few hundred MB of data and
 * of WAL), archiving into both at once.
 *
 *   npm run build && node bench/pitr.mjs [--scale 20] [--runs 3] [--segments 12]
 *
 * wal-push:   per-segment wall time of `dbrollback wal-push SEG --storage DIR`
 *             vs `pgbackrest archive-push SEG`, both as the postgres OS user
 *             (as archive_command runs them), on real 16 MB segments of the
 *             pgbench load, each pushed once, fresh archives.
 * wal-fetch:  `dbrollback wal-fetch NAME DEST --prefetch 0` vs
 *             `pgbackrest archive-get NAME DEST` (one call, no prefetch/async);
 *             then the same segments fetched in order with the default
 *             prefetch, as recovery calls it (later calls hit the spool).
 * base backup: `dbrollback base-backup` (pg_basebackup -Ft to stdout, gzip,
 *             read back) and with `--no-readback`, vs
 *             `pgbackrest backup --type=full` (start-fast, one process).
 * Runs alternate so background load hits both alike; medians are reported.
 *
 *   node bench/pitr.mjs --wal-push-only [--scale 5] [--segments 12] [--before /path/to/old/dist/cli/main.js]
 *
 * only the wal-push row, in four variants taken in rotation on every segment:
 * dbrollback into a plain storage, into an encrypted one (key file, as
 * archive_command gives it), pgBackRest's archive-push, and — with --before —
 * an earlier build of the CLI (to compare a change's cost in the same run),
 * with each variant's peak RSS (/usr/bin/time).
 *
 *   node bench/pitr.mjs --backlog [--scale 20] [--runs 3]
 *
 * archiving under a bulk load: a fresh cluster per run, `pgbench -i -s N`,
 * the archive_command of each variant — the one `dbrollback archive-command`
 * prints (wal-push pushing ready segments ahead, the server's calls for them
 * answered from markers in the shell), pgBackRest archive-push synchronous,
 * and asynchronous (archive-async=y, process-max=2, spool-path) — in
 * rotation; sampled every 100 ms: the most segments waiting (.ready), how
 * long the archive took to drain after the load ended, segments archived per
 * second, and the CPU time of all the archiving per segment archived (see
 * backlog()). Medians, with the load average of each run.
 *
 * Every cluster here runs on PostgreSQL's default durability settings
 * (fsync, synchronous_commit, full_page_writes on, default shared_buffers).
 */
import { execa } from 'execa';
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../dist/pgtools/local-cluster.js';
import { cliMain, flag, hasFlag, log, median, seconds, timed } from './common.mjs';

const scale = flag('--scale', 20);
const runs = flag('--runs', 3);
const segmentCount = flag('--segments', 12);
const walPushOnly = hasFlag('--wal-push-only');
const backlogOnly = hasFlag('--backlog');
/** PostgreSQL's defaults, over the harness's test settings (fsync=off and friends). */
const DEFAULT_DURABILITY = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', shared_buffers: "'128MB'" };
const beforeCli = (() => {
  const i = process.argv.indexOf('--before');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
const asRoot = process.getuid?.() === 0;
const osUser = asRoot ? 'postgres' : undefined;

const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-pitr-'));
await chmod(work, 0o755);
const ids = asRoot ? [Number((await execa('id', ['-u', 'postgres'])).stdout), Number((await execa('id', ['-g', 'postgres'])).stdout)] : null;
const own = async (p) => ids && chown(p, ids[0], ids[1]);
const dir = async (name) => {
  const p = path.join(work, name);
  await mkdir(p, { recursive: true });
  await own(p);
  return p;
};

if (backlogOnly) {
  await backlog();
  process.exit(0);
}

const archive = await dir('dbrollback-archive');
const pushArchive = await dir('dbrollback-latency');
const cluster = await startCluster({
  settings: {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: `'${process.execPath} ${cliMain} wal-push %p --storage ${archive}'`,
    ...DEFAULT_DURABILITY,
  },
});
try {
  const pgpass = path.join(work, 'pgpass');
  await writeFile(pgpass, `*:*:*:${cluster.superuser}:${cluster.password}\n`, { mode: 0o600 });
  await own(pgpass);
  // The password reaches pgBackRest's libpq through a pgpass file, never argv.
  const pgEnv = { ...process.env, PGPASSFILE: pgpass };
  const as = (cmd, args, options = {}) => execa(osUser ? 'runuser' : cmd, osUser ? ['-u', osUser, '--', cmd, ...args] : args, { env: pgEnv, ...options });

  const pgbrConf = async (name, stanza) => {
    const repo = await dir(`${name}-repo`);
    const lock = await dir(`${name}-lock`);
    const file = path.join(work, `${name}.conf`);
    await writeFile(
      file,
      [
        '[global]',
        `repo1-path=${repo}`,
        'compress-type=gz',
        'compress-level=6',
        'start-fast=y',
        'log-level-console=warn',
        'log-level-file=off',
        `lock-path=${lock}`,
        `[${stanza}]`,
        `pg1-path=${cluster.dataDir}`,
        `pg1-port=${cluster.port}`,
        `pg1-socket-path=${cluster.socketDir}`,
        `pg1-user=${cluster.superuser}`,
        '',
      ].join('\n'),
    );
    await own(file);
    await as('pgbackrest', [`--config=${file}`, `--stanza=${stanza}`, 'stanza-create']);
    return { file, stanza, repo };
  };
  const main = await pgbrConf('pgbackrest', 'bench');
  const lat = await pgbrConf('pgbackrest-latency', 'lat');
  const pgbr = (conf, args) => as('pgbackrest', [`--config=${conf.file}`, `--stanza=${conf.stanza}`, ...args]);

  // Both archives receive every segment from here on (pgBackRest's backup waits for its own archive).
  const command = `${process.execPath} ${cliMain} wal-push %p --storage ${archive} && pgbackrest --config=${main.file} --stanza=${main.stanza} archive-push %p`;
  await cluster.sql('postgres', `ALTER SYSTEM SET archive_command = '${command.replace(/'/g, "''")}'`);
  await cluster.sql('postgres', 'SELECT pg_reload_conf()');

  const database = 'bench';
  await cluster.createDatabase(database);
  const conn = cluster.conn(database);
  const pgbenchEnv = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: database };
  const [{ lsn: before }] = await cluster.sql('postgres', 'SELECT pg_current_wal_lsn()::text AS lsn');
  log(`pgbench -i -s ${scale} ...`);
  await execa('pgbench', ['-i', '-s', String(scale), '-q'], { env: pgbenchEnv });
  await execa('pgbench', ['-c', '2', '-t', '2000', '-n'], { env: pgbenchEnv });
  const [{ wal, size, version }] = await cluster.sql(
    'postgres',
    `SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '${before}')) AS wal, pg_size_pretty(pg_database_size('${database}')) AS size, current_setting('server_version') AS version`,
  );
  const [{ name: lastSegment }] = await cluster.sql('postgres', 'SELECT pg_walfile_name(pg_switch_wal()) AS name');
  log(`waiting for the archiver to reach ${lastSegment} ...`);
  for (;;) {
    const [{ done }] = await cluster.sql('postgres', `SELECT coalesce(last_archived_wal >= '${lastSegment}', false) AS done FROM pg_stat_archiver`);
    if (done) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  // ---- wal-push / archive-push: real segments of this load, fetched back from the archive ----
  const segDir = await dir('segments');
  const [{ first }] = await cluster.sql('postgres', `SELECT pg_walfile_name('${before}') AS first`);
  const names = [];
  for (let n = parseInt(first.slice(16), 16) + 2; names.length < segmentCount; n++) names.push(`${first.slice(0, 16)}${n.toString(16).toUpperCase().padStart(8, '0')}`);
  for (const name of names) {
    const r = await execa(process.execPath, [cliMain, 'wal-fetch', name, path.join(segDir, name), '--storage', archive, '--prefetch', '0'], { reject: false });
    if (r.exitCode !== 0) throw new Error(`could not fetch ${name} for the latency runs: ${r.stderr}`);
    await own(path.join(segDir, name));
  }
  if (walPushOnly) {
    const keyFile = path.join(work, 'storage.key');
    await writeFile(keyFile, `${(await import('node:crypto')).randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    await own(keyFile);
    const encArchive = await dir('dbrollback-encrypted');
    const beforeArchive = await dir('dbrollback-before');
    // CPU time (user + system, from /usr/bin/time) as well as wall time: on a loaded machine the wall time is mostly waiting for a core.
    const cpuTimed = (cmd, args) => as('/usr/bin/time', ['-f', 'CPU %U %S RSS %M', cmd, ...args]);
    const variants = {
      'dbrollback wal-push': (file) => cpuTimed(process.execPath, [cliMain, 'wal-push', file, '--storage', pushArchive]),
      'dbrollback wal-push, encrypted (key file)': (file) => cpuTimed(process.execPath, [cliMain, 'wal-push', file, '--storage', encArchive, '--encryption-key-file', keyFile]),
      'pgbackrest archive-push': (file) => cpuTimed('pgbackrest', [`--config=${lat.file}`, `--stanza=${lat.stanza}`, 'archive-push', file]),
      ...(beforeCli ? { 'dbrollback wal-push, before the change': (file) => cpuTimed(process.execPath, [beforeCli, 'wal-push', file, '--storage', beforeArchive]) } : {}),
    };
    const labels = Object.keys(variants);
    const ms = Object.fromEntries(labels.map((l) => [l, []]));
    const cpu = Object.fromEntries(labels.map((l) => [l, []]));
    const rss = Object.fromEntries(labels.map((l) => [l, []]));
    for (const [i, name] of names.entries()) {
      const file = path.join(segDir, name);
      // Rotate the order on every segment, so load and cache hit each variant alike.
      for (let k = 0; k < labels.length; k++) {
        const label = labels[(k + i) % labels.length];
        const run = await timed(() => variants[label](file));
        ms[label].push(run.ms);
        const m = /CPU ([\d.]+) ([\d.]+) RSS (\d+)\s*$/.exec(String(run.value.stderr));
        cpu[label].push(m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN);
        rss[label].push(m ? Number(m[3]) / 1024 : NaN);
      }
    }
    const theirs = median(ms['pgbackrest archive-push']);
    const theirsCpu = median(cpu['pgbackrest archive-push']);
    const load = os.loadavg()[0].toFixed(1);
    process.stdout.write(
      [
        `PostgreSQL ${version}, pgbench scale ${scale}: ${names.length} segments of 16 MB, each pushed once per variant, fresh archives, order rotated; load average ${load} at the end`,
        '',
        '| wal-push per segment | wall s (median) | ratio | CPU s (median) | ratio | peak RSS MB (max) |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        ...labels.map((l) => `| ${l} | ${seconds(median(ms[l]))} | ${(median(ms[l]) / theirs).toFixed(2)} | ${seconds(median(cpu[l]))} | ${(median(cpu[l]) / theirsCpu).toFixed(2)} | ${Math.max(...rss[l]).toFixed(1)} |`),
        '',
        ...labels.map((l) => `raw ${l} wall ms: ${ms[l].map((x) => x.toFixed(0)).join(' ')}`),
        '',
      ].join('\n'),
    );
    await cluster.stop();
    await rm(work, { recursive: true, force: true });
    process.exit(0);
  }
  const pushMs = [];
  const archivePushMs = [];
  for (const [i, name] of names.entries()) {
    const file = path.join(segDir, name);
    const ours = () => timed(() => as(process.execPath, [cliMain, 'wal-push', file, '--storage', pushArchive]));
    const theirs = () => timed(() => pgbr(lat, ['archive-push', file]));
    if (i % 2 === 0) {
      pushMs.push((await ours()).ms);
      archivePushMs.push((await theirs()).ms);
    } else {
      archivePushMs.push((await theirs()).ms);
      pushMs.push((await ours()).ms);
    }
  }
  const fetchMs = [];
  const archiveGetMs = [];
  const fetchDir = await dir('fetched');
  for (const [i, name] of names.entries()) {
    const ours = () => timed(() => as(process.execPath, [cliMain, 'wal-fetch', name, path.join(fetchDir, `${name}.ours`), '--storage', pushArchive, '--prefetch', '0']));
    const theirs = () => timed(() => pgbr(lat, ['archive-get', name, path.join(fetchDir, `${name}.pgbr`)]));
    if (i % 2 === 0) {
      fetchMs.push((await ours()).ms);
      archiveGetMs.push((await theirs()).ms);
    } else {
      archiveGetMs.push((await theirs()).ms);
      fetchMs.push((await ours()).ms);
    }
  }
  // As recovery calls it: one segment after the other, with the default prefetch into the spool.
  const recoveryDir = await dir('recovery-pg_wal');
  const spooledMs = [];
  for (const name of names) {
    spooledMs.push((await timed(() => as(process.execPath, [cliMain, 'wal-fetch', name, path.join(recoveryDir, 'RECOVERYXLOG'), '--storage', pushArchive]))).ms);
  }
  const startup = [];
  for (let i = 0; i < 5; i++) startup.push((await timed(() => execa(process.execPath, [cliMain, 'wal-push', '--help']))).ms);

  // ---- base backup ----
  const toolEnv = { ...process.env, DATABASE_URL: cluster.url(database) };
  const baseMs = [];
  const baseNoReadbackMs = [];
  const pgbrBackupMs = [];
  let baseBytes = 0;
  for (let i = 0; i < runs; i++) {
    const variants = [
      async () => pgbrBackupMs.push((await timed(() => pgbr(main, ['--type=full', 'backup']))).ms),
      async () => {
        const r = await timed(() => execa(process.execPath, [cliMain, 'base-backup', '--storage', archive, '--json'], { env: toolEnv }));
        baseMs.push(r.ms);
        baseBytes = JSON.parse(r.value.stdout).backup.sizeBytes;
      },
      async () => baseNoReadbackMs.push((await timed(() => execa(process.execPath, [cliMain, 'base-backup', '--no-readback', '--storage', archive], { env: toolEnv }))).ms),
    ];
    // Rotate the order each run.
    for (let k = 0; k < variants.length; k++) await variants[(k + i) % variants.length]();
  }
  const info = JSON.parse((await pgbr(main, ['info', '--output=json'])).stdout);
  const pgbrBytes = info[0]?.backup?.at(-1)?.info?.repository?.delta ?? null;
  const segBytes = (await stat(path.join(segDir, names[0]))).size;

  const rows = [
    ['wal-push per segment (16 MB)', median(pushMs), median(archivePushMs)],
    ['wal-fetch per segment', median(fetchMs), median(archiveGetMs)],
    ['wal-fetch in sequence, prefetch 8 (as recovery calls it)', median(spooledMs), median(archiveGetMs)],
    ['base backup (with read-back)', median(baseMs), median(pgbrBackupMs)],
    ['base backup --no-readback', median(baseNoReadbackMs), median(pgbrBackupMs)],
  ];
  const out = [
    `PostgreSQL ${version}, pgbench scale ${scale}: database ${size}, ${wal} of WAL; ${names.length} segments of ${segBytes} bytes; ${runs} base backup runs`,
    '',
    '| what | dbrollback s | pgBackRest s | ratio |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(([what, ours, theirs]) => `| ${what} | ${seconds(ours)} | ${seconds(theirs)} | ${(ours / theirs).toFixed(2)} |`),
    '',
    `node start-up (\`wal-push --help\`, full program): ${seconds(median(startup))} s`,
    `base backup size: dbrollback ${(baseBytes / 1048576).toFixed(1)} MiB, pgBackRest ${pgbrBytes === null ? '?' : (pgbrBytes / 1048576).toFixed(1)} MiB`,
    `raw wal-push ms: ${pushMs.map((x) => x.toFixed(0)).join(' ')}; archive-push ms: ${archivePushMs.map((x) => x.toFixed(0)).join(' ')}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await cluster.stop();
  await rm(work, { recursive: true, force: true });
}

/**
 * Archiving under a bulk load, per archive_command: the largest backlog of .ready segments, the drain time, the
 * segments archived per second (from the start of the load until the archive has caught up), and the CPU time
 * (user + system) of everything the archiver ran, per segment archived. The archiver waits for its
 * archive_command, so its children's CPU (/proc/PID/stat cutime + cstime) holds every wal-push, every shell
 * answering from a marker and every synchronous archive-push. pgBackRest's asynchronous process is detached
 * (nobody waits for it): it and its workers are sampled from /proc every 50 ms, and the last sample of each is
 * counted — up to 50 ms of its CPU per process may be missed, in pgBackRest's favour. dbrollback's detached
 * pusher (`wal-push --pusher`, started by a wal-push) is sampled the same way, and waited for until its lock is gone.
 */
async function backlog() {
  const variants = ['dbrollback (the archive_command `dbrollback archive-command` prints)', 'pgbackrest archive-push (sync)', 'pgbackrest archive-push (async, process-max=2)'];
  const results = Object.fromEntries(variants.map((v) => [v, { peak: [], peakUnstored: [], drainMs: [], loadMs: [], segments: [], perSecond: [], cpuPerSegment: [], load: [] }]));
  const { readdir, readFile } = await import('node:fs/promises');
  const ticks = Number((await execa('getconf', ['CLK_TCK'])).stdout) || 100;
  /** utime, stime, cutime, cstime of a process in ms, or null once it is gone. */
  const cpuOf = async (pid) => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null) return null;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: f[1], self: ((Number(f[11]) + Number(f[12])) * 1000) / ticks, children: ((Number(f[13]) + Number(f[14])) * 1000) / ticks };
  };
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(k + i) % variants.length];
      const round = await dir(`backlog-${i}-${k}`);
      const storage = await dir(`backlog-${i}-${k}/dbrollback`);
      const repo = await dir(`backlog-${i}-${k}/pgbr-repo`);
      const lock = await dir(`backlog-${i}-${k}/pgbr-lock`);
      const spool = await dir(`backlog-${i}-${k}/pgbr-spool`);
      const conf = path.join(round, 'pgbackrest.conf');
      const ours = variant.startsWith('dbrollback');
      // What users are given: the command `dbrollback archive-command` prints, not one built here.
      const command = ours
        ? JSON.parse((await execa(process.execPath, [cliMain, 'archive-command', '--storage', storage, '--json'])).stdout).archiveCommand
        : `pgbackrest --config=${conf} --stanza=bl archive-push %p`;
      const cluster = await startCluster({ settings: { wal_level: 'replica', archive_mode: 'on', archive_command: `'${command.replace(/'/g, "''")}'`, ...DEFAULT_DURABILITY } });
      try {
        await writeFile(conf, ['[global]', `repo1-path=${repo}`, 'compress-type=gz', 'compress-level=6', 'log-level-console=warn', 'log-level-file=off', `lock-path=${lock}`, `spool-path=${spool}`, ...(variant.includes('async') ? ['archive-async=y', 'process-max=2'] : []), '[bl]', `pg1-path=${cluster.dataDir}`, `pg1-port=${cluster.port}`, `pg1-socket-path=${cluster.socketDir}`, `pg1-user=${cluster.superuser}`, ''].join('\n'));
        await own(conf);
        const pgpass = path.join(round, 'pgpass');
        await writeFile(pgpass, `*:*:*:${cluster.superuser}:${cluster.password}\n`, { mode: 0o600 });
        await own(pgpass);
        if (!ours) await execa(osUser ? 'runuser' : 'pgbackrest', [...(osUser ? ['-u', osUser, '--', 'pgbackrest'] : []), `--config=${conf}`, '--stanza=bl', 'stanza-create'], { env: { ...process.env, PGPASSFILE: pgpass } });
        const conn = cluster.conn('postgres');
        const env = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: 'postgres' };
        const status = path.join(cluster.dataDir, 'pg_wal', 'archive_status');
        const readyNames = async () => (await readdir(status)).filter((f) => f.endsWith('.ready')).map((f) => f.slice(0, -'.ready'.length));
        // Waiting and not yet stored either: no marker (dbrollback) or no .ok in the spool (pgBackRest async) says it was pushed ahead.
        const storedAhead = path.join(...(ours ? [cluster.dataDir, 'pg_wal', 'dbrollback-pushed'] : [spool, 'archive', 'bl', 'out']));
        const aheadNames = async () => new Set((await readdir(storedAhead).catch(() => [])).map((f) => f.replace(/\.ok$/, '')));
        const [{ pid: archiverPid }] = await cluster.sql('postgres', "SELECT pid FROM pg_stat_activity WHERE backend_type = 'archiver'");
        const [{ archived: archivedBefore }] = await cluster.sql('postgres', 'SELECT archived_count AS archived FROM pg_stat_archiver');
        const cpuBefore = await cpuOf(archiverPid);
        // pgBackRest's detached async process and its workers, as last seen: a worker that has exited is in its parent's
        // cutime; one still running at the parent's last sample is counted on its own.
        const asyncLast = new Map();
        const kinds = new Map();
        const localLast = new Map();
        // dbrollback's detached pusher (wal-push --pusher): nobody waits for it either; counted as last seen.
        const pusherLast = new Map();
        const sampleDetached = async () => {
          const seen = [];
          for (const pid of await readdir('/proc')) {
            if (!/^\d+$/.test(pid)) continue;
            // A process's command line is read once (a sweep must stay short, or short-lived processes slip between sweeps).
            // A front archive-push is read again: the async process is forked from it before it execs.
            let kind = kinds.get(pid);
            if (kind === undefined) {
              const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
              kind = ours ? (cmd.includes('--pusher') && cmd.includes(storage) ? 'pusher' : cmd.includes(storage) ? undefined : null) : !cmd.includes(conf) ? null : /archive-push:(async|local)/.test(cmd) ? (cmd.includes('archive-push:async') ? 'async' : 'local') : undefined;
              if (kind !== undefined) kinds.set(pid, kind);
            }
            if (!kind) continue;
            const c = await cpuOf(pid);
            if (c && kind === 'pusher') pusherLast.set(pid, c.self + c.children);
            else if (c) seen.push({ pid, async: kind === 'async', ...c });
          }
          for (const p of seen.filter((x) => !x.async)) localLast.set(p.pid, p.self + p.children);
          for (const p of seen.filter((x) => x.async)) asyncLast.set(p.pid, { total: p.self + p.children, workers: seen.filter((w) => !w.async && w.ppid === p.pid).map((w) => w.pid) });
        };
        const detachedMs = () => [...asyncLast.values()].reduce((sum, a) => sum + a.total + a.workers.reduce((w, pid) => w + (localLast.get(pid) ?? 0), 0), 0) + [...pusherLast.values()].reduce((sum, ms) => sum + ms, 0);
        let peak = 0;
        let peakUnstored = 0;
        let sampling = true;
        const sampler = (async () => {
          let n = 0;
          while (sampling) {
            if (n++ % 2 === 0) {
              const names = await readyNames();
              const ahead = await aheadNames();
              peak = Math.max(peak, names.length);
              peakUnstored = Math.max(peakUnstored, names.filter((x) => !ahead.has(x)).length);
            }
            await sampleDetached();
            await new Promise((r) => setTimeout(r, 50));
          }
        })();
        const load = await timed(() => execa('pgbench', ['-i', '-s', String(scale), '-q'], { env }));
        const [{ last }] = await cluster.sql('postgres', 'SELECT pg_walfile_name(pg_switch_wal()) AS last');
        const drain = await timed(async () => {
          for (;;) {
            const [{ done }] = await cluster.sql('postgres', `SELECT coalesce(last_archived_wal >= '${last}', false) AS done FROM pg_stat_archiver`);
            if (done) return;
            await new Promise((r) => setTimeout(r, 100));
          }
        });
        // Let a detached async process finish and be sampled one last time (dbrollback's pusher: until its lock is gone).
        if (!ours) await new Promise((r) => setTimeout(r, 300));
        const pusherLock = path.join(cluster.dataDir, 'pg_wal', 'dbrollback-pushed', '.pusher.lock');
        for (let w = 0; ours && w < 100 && (await readFile(pusherLock).then(() => true, () => false)); w++) await new Promise((r) => setTimeout(r, 50));
        sampling = false;
        await sampler;
        const cpuAfter = await cpuOf(archiverPid);
        const [{ archived }] = await cluster.sql('postgres', 'SELECT archived_count AS archived FROM pg_stat_archiver');
        const segments = Number(archived) - Number(archivedBefore);
        const cpuMs = cpuAfter.children - cpuBefore.children + detachedMs();
        const loadavg = os.loadavg()[0];
        const r = results[variant];
        r.peak.push(peak);
        r.peakUnstored.push(peakUnstored);
        r.drainMs.push(drain.ms);
        r.loadMs.push(load.ms);
        r.segments.push(segments);
        r.perSecond.push(segments / ((load.ms + drain.ms) / 1000));
        r.cpuPerSegment.push(cpuMs / segments);
        r.load.push(loadavg);
        log(`run ${i + 1}/${runs}: ${variant}: peak backlog ${peak} segments (${peakUnstored} not yet stored), drained ${seconds(drain.ms)} s after the load (${seconds(load.ms)} s), ${segments} archived, ${(segments / ((load.ms + drain.ms) / 1000)).toFixed(2)}/s, CPU ${seconds(cpuMs / segments)} s per segment (${ours ? `of which detached pusher ${seconds(detachedMs())} s in all; ` : `of which detached async ${seconds(detachedMs())} s in all; `}load average ${loadavg.toFixed(1)})`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const all = Object.values(results).flatMap((r) => r.load);
  console.log(`archiving during pgbench -i -s ${scale} (default durability), median of ${runs} rotated runs; load average ${Math.min(...all).toFixed(1)}–${Math.max(...all).toFixed(1)} during the runs`);
  console.log('');
  const ref = median(results[variants[1]].cpuPerSegment);
  const refAsync = median(results[variants[2]].cpuPerSegment);
  console.log('| archive_command | peak backlog (.ready) | of which not yet stored | drain after the load, s | load, s | segments archived | segments/s | CPU per segment, s | CPU ratio to sync / async |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of variants) {
    const r = results[v];
    const cpu = median(r.cpuPerSegment);
    console.log(`| ${v} | ${median(r.peak)} | ${median(r.peakUnstored)} | ${seconds(median(r.drainMs))} | ${seconds(median(r.loadMs))} | ${median(r.segments)} | ${median(r.perSecond).toFixed(2)} | ${seconds(cpu)} | ${(cpu / ref).toFixed(2)} / ${(cpu / refAsync).toFixed(2)} |`);
  }
  await rm(work, { recursive: true, force: true });
}
