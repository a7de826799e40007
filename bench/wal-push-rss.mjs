#!/usr/bin/env node
/**
 * Peak RSS of wal-push as the printed archive_command runs it (`/usr/bin/time -v`, "Maximum resident set
 * size"): the server's call (it stores its own segment and starts the detached pusher), and the detached
 * pusher (`wal-push --pusher` with Node's flags PUSHER_NODE_FLAGS, the very process the call starts) storing N ready segments. Segments are
 * 16 MB, compressible like an index build's (each 8 KB page: 1,500 random bytes, the rest one value:
 * 16 → ≈ 3.1 MB at gzip 6, about as compressible as the least compressible segments of a `pgbench -i`
 * load). Runs `--runs` times,
 * reports the largest peak of each.
 *
 *   npm run build && node bench/wal-push-rss.mjs [--runs 3] [--segments 1,4,8,16]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { PUSHER_NODE_FLAGS } from '../dist/index.js';
import { cliMain, flag, loadAverage, log } from './common.mjs';

const runs = Number(flag('--runs', '3'));
const segmentsAt = process.argv.indexOf('--segments');
const counts = (segmentsAt >= 0 ? process.argv[segmentsAt + 1] : '1,4,8,16').split(',').map(Number);
const name = (i) => `0000000100000000000000${i.toString(16).toUpperCase().padStart(2, '0')}`;

async function readyWal(count) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-rss-'));
  await mkdir(path.join(dataDir, 'pg_wal', 'archive_status'), { recursive: true });
  for (let i = 1; i <= count; i++) {
    const bytes = Buffer.alloc(16 * 1024 * 1024, i);
    for (let at = 0; at < bytes.length; at += 8192) randomBytes(1500).copy(bytes, at);
    await writeFile(path.join(dataDir, 'pg_wal', name(i)), bytes);
    await writeFile(path.join(dataDir, 'pg_wal', 'archive_status', `${name(i)}.ready`), '');
  }
  return dataDir;
}

/** Peak RSS in MB and CPU seconds of one command under /usr/bin/time -v. */
async function timedRss(args, cwd, nodeFlags = []) {
  const run = await execa('/usr/bin/time', ['-v', process.execPath, ...nodeFlags, cliMain, ...args], { cwd, reject: false });
  if (run.exitCode !== 0) throw new Error(`${args.join(' ')}: ${run.stderr}`);
  const field = (label) => Number(new RegExp(`${label}: ([\\d.]+)`).exec(run.stderr)?.[1]);
  return { rss: field('Maximum resident set size \\(kbytes\\)') / 1024, cpu: field('User time \\(seconds\\)') + field('System time \\(seconds\\)') };
}

const rows = [];
for (const count of counts) {
  const peaks = { call: 0, pusher: 0, cpu: [] };
  for (let r = 0; r < runs; r++) {
    // The server's call with `count` other segments ready: the pusher it starts is left to a lock a live process
    // (this one) holds, so the call is measured alone; then the pusher, run as the call would start it.
    const dataDir = await readyWal(count + 1);
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-rss-storage-'));
    await mkdir(path.join(dataDir, 'pg_wal', 'dbrollback-pushed'));
    await writeFile(path.join(dataDir, 'pg_wal', 'dbrollback-pushed', '.pusher.lock'), String(process.pid));
    const call = await timedRss(['wal-push', `pg_wal/${name(1)}`, '--storage', storage], dataDir);
    await rm(path.join(dataDir, 'pg_wal', 'archive_status', `${name(1)}.ready`));
    await rm(path.join(dataDir, 'pg_wal', 'dbrollback-pushed', '.pusher.lock'));
    const pusher = await timedRss(['wal-push', '--pusher', path.join(dataDir, 'pg_wal'), '--storage', storage], dataDir, PUSHER_NODE_FLAGS);
    peaks.call = Math.max(peaks.call, call.rss);
    peaks.pusher = Math.max(peaks.pusher, pusher.rss);
    peaks.cpu.push(pusher.cpu / count);
    await rm(dataDir, { recursive: true, force: true });
    await rm(storage, { recursive: true, force: true });
  }
  log(`${count} ahead: the server's call ${peaks.call.toFixed(1)} MB, the pusher ${peaks.pusher.toFixed(1)} MB (load average ${loadAverage()})`);
  rows.push({ count, ...peaks });
}
console.log(`peak RSS, largest of ${runs} runs; load average ${loadAverage()}`);
console.log('');
console.log(`| segments ready ahead | ${rows.map((r) => r.count).join(' | ')} |`);
console.log(`| --- | ${rows.map(() => '---:').join(' | ')} |`);
console.log(`| the server's call (its own segment; starts the pusher), MB | ${rows.map((r) => r.call.toFixed(1)).join(' | ')} |`);
console.log(`| the detached pusher, MB | ${rows.map((r) => r.pusher.toFixed(1)).join(' | ')} |`);
