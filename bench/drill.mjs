#!/usr/bin/env node
/**
 * Drill benchmark.
 *
 * 1. A full `migrations` drill of the shop fixtures (sql tool, seeded) with
 *    the local provider, through the built CLI — against the same walk done
 *    by hand with the raw tools in the same run: initdb + pg_ctl start, psql
 *    for every up, the seed, every down and every up again, pg_ctl stop (no
 *    snapshots, no fingerprints, no checks). Target: the drill under 15 s.
 * 2. The testcontainers provider's start-up (container up, server accepting
 *    connections, version read) and stop — against `docker run` of the same
 *    image + polling pg_isready in it + `docker rm -f`. Skipped when no
 *    engine answers.
 * Runs are interleaved (raw, dbrollback, raw, ...) and medians reported.
 * Usage: npm run build && node bench/drill.mjs [--runs 3] [--json]
 */
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { cliMain, flag, hasFlag, log, median, root, seconds, timed } from './common.mjs';

const runs = flag('--runs', 3);
const { startCluster } = await import(path.join(root, 'dist/pgtools/local-cluster.js'));
const { findBinary, PROVIDERS, defaultImage } = await import(path.join(root, 'dist/index.js'));
const shop = path.join(root, 'migrations-fixtures/sql/shop');
const seed = path.join(root, 'migrations-fixtures/seed.sql');

async function drillOnce() {
  const out = execFileSync(process.execPath, [cliMain, 'drill', 'migrations', '--provider', 'local', '--migrations', shop, '--seed', seed, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const report = JSON.parse(out);
  if (!report.ok) throw new Error(`the drill did not pass: ${out}`);
  return report;
}

async function rawWalk() {
  const psql = (await findBinary('psql')).path;
  const files = (await readdir(shop)).sort();
  const ups = files.filter((f) => f.endsWith('.up.sql'));
  // 007 has no down: the hand walk goes up to 006 and back, then up to the head.
  const downs = files.filter((f) => f.endsWith('.down.sql') && !f.startsWith('007')).reverse();
  const cluster = await startCluster();
  try {
    await cluster.createDatabase('shop');
    const env = { ...process.env, PGHOST: cluster.host, PGPORT: String(cluster.port), PGUSER: cluster.superuser, PGPASSWORD: cluster.password, PGDATABASE: 'shop' };
    const run = (file) => execFileSync(psql, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', file], { env, stdio: 'ignore' });
    ups.slice(0, 6).forEach((f, i) => {
      run(path.join(shop, f));
      if (i === 1) run(seed);
    });
    for (const f of downs) run(path.join(shop, f));
    ups.forEach((f, i) => {
      run(path.join(shop, f));
      if (i === 1) run(seed);
    });
  } finally {
    await cluster.stop();
  }
}

const local = { raw: [], drill: [], providerStart: [] };
for (let i = 0; i < runs; i++) {
  local.raw.push((await timed(rawWalk)).ms);
  const d = await timed(drillOnce);
  local.drill.push(d.ms);
  local.providerStart.push(d.value.providerStartMs);
  log(`run ${i + 1}: raw walk ${seconds(local.raw.at(-1))} s, drill ${seconds(d.ms)} s (provider start ${seconds(d.value.providerStartMs)} s)`);
}

const containers = { raw: [], provider: [], skipped: null };
const image = await defaultImage();
const why = await PROVIDERS.testcontainers.unavailable({ image });
if (why) {
  containers.skipped = why;
  log(`testcontainers: skipped (${why})`);
} else {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  for (let i = 0; i < runs; i++) {
    containers.raw.push(
      (
        await timed(async () => {
          const id = execFileSync('docker', ['run', '-d', '-e', 'POSTGRES_PASSWORD=bench', '-P', image], { encoding: 'utf8' }).trim();
          try {
            for (;;) {
              try {
                execFileSync('docker', ['exec', id, 'pg_isready', '--host', 'localhost', '--username', 'postgres'], { stdio: 'ignore' });
                break;
              } catch {
                await new Promise((r) => setTimeout(r, 250));
              }
            }
          } finally {
            execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
          }
        })
      ).ms,
    );
    containers.provider.push(
      (
        await timed(async () => {
          const server = await PROVIDERS.testcontainers.start({ image });
          await server.stop();
        })
      ).ms,
    );
    log(`run ${i + 1}: docker run + pg_isready + rm ${seconds(containers.raw.at(-1))} s, testcontainers start + stop ${seconds(containers.provider.at(-1))} s`);
  }
}

const result = {
  runs,
  local: { rawWalkS: +seconds(median(local.raw)), drillS: +seconds(median(local.drill)), providerStartS: +seconds(median(local.providerStart)), ratio: +(median(local.drill) / median(local.raw)).toFixed(2), targetS: 15 },
  testcontainers: containers.skipped
    ? { skipped: containers.skipped }
    : { image, rawS: +seconds(median(containers.raw)), providerS: +seconds(median(containers.provider)), ratio: +(median(containers.provider) / median(containers.raw)).toFixed(2) },
};
if (hasFlag('--json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  process.stdout.write(`migrations drill (local, shop, seeded): ${result.local.drillS} s (provider start ${result.local.providerStartS} s) vs raw psql walk ${result.local.rawWalkS} s: ratio ${result.local.ratio}; target < 15 s\n`);
  if (containers.skipped) process.stdout.write(`testcontainers: skipped (${containers.skipped})\n`);
  else process.stdout.write(`testcontainers start + stop: ${result.testcontainers.providerS} s vs docker run + pg_isready + rm ${result.testcontainers.rawS} s: ratio ${result.testcontainers.ratio}\n`);
}
process.exitCode = median(local.drill) < 15_000 ? 0 : 1;
