#!/usr/bin/env node
/**
 * Benchmark: the storage encryption wrapper against the same file storage
 * without it, on a dump-sized stream (256 MiB by default), write then read
 * back, alternating plain / encrypted runs; medians and ratios.
 *
 *   npm run build && node bench/encryption.mjs [--mib 256] [--runs 5]
 *
 * This isolates the cipher's cost, which the backup benchmark's small
 * pgbench dump (8 MiB) hides under pg_dump's own work.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { openStorage } from '../dist/storage/open-storage.js';
import { flag, log, median, seconds, timed } from './common.mjs';

const mib = flag('--mib', 256);
const runs = flag('--runs', 5);
const block = randomBytes(1024 * 1024);
const source = () => Readable.from((function* () {
  for (let i = 0; i < mib; i++) yield block;
})());

async function drain(stream) {
  let n = 0;
  for await (const chunk of stream) n += chunk.length;
  return n;
}

const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-enc-'));
try {
  const plain = openStorage(path.join(work, 'plain'));
  const sealed = openStorage(path.join(work, 'sealed'), { encryption: { kind: 'key', key: randomBytes(32), source: 'bench' } });
  const results = { 'put plain': [], 'put encrypted': [], 'get plain': [], 'get encrypted': [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, storage] of [['plain', plain], ['encrypted', sealed]]) {
      const key = `run${i}/dump.pgcustom`;
      const put = await timed(() => storage.put(key, source()));
      const get = await timed(async () => drain(await storage.get(key)));
      if (get.value !== mib * 1024 * 1024) throw new Error(`${name}: read ${get.value} bytes`);
      results[`put ${name}`].push(put.ms);
      results[`get ${name}`].push(get.ms);
      await storage.delete(key);
      log(`run ${i + 1}/${runs} ${name}: put ${seconds(put.ms)} s, get ${seconds(get.ms)} s`);
    }
  }
  const rate = (ms) => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
  console.log(`${mib} MiB, median of ${runs} alternating runs, ${os.cpus().length} CPUs, Node ${process.version}`);
  console.log('');
  console.log('| what | seconds | rate | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const op of ['put', 'get']) {
    const base = median(results[`${op} plain`]);
    const enc = median(results[`${op} encrypted`]);
    console.log(`| ${op}, file storage | ${seconds(base)} | ${rate(base)} | 1.00 |`);
    console.log(`| ${op}, file storage, encrypted | ${seconds(enc)} | ${rate(enc)} | **${(enc / base).toFixed(2)}** |`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
