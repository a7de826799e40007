#!/usr/bin/env node
/**
 * Benchmark: what proving the schema round trip costs `plan` and `undo`
 * (issue 25 part 1) on the 63-migration TypeScript node-pg-migrate history
 * (migrations-fixtures/node-pg-migrate/real-ts), against `node-pg-migrate
 * down` alone.
 *
 *   npm run build && node bench/round-trip.mjs [--runs 3]
 *
 * recorded:  the history applied by `dbrollback migrate`, which recorded the
 *            schema before each migration: plan checks the head's down
 *            against that record (nothing runs); verify compares with it.
 * rehearsal: the same history applied by node-pg-migrate itself (no record):
 *            plan replays it in a throwaway local cluster (62 ups, snapshot,
 *            the head's up and down, snapshot) before answering. Cold: the
 *            local cache off (DBROLLBACK_CACHE_DIR=off); warm: the files were
 *            rehearsed before (an undo right after its plan).
 * raw:       `node-pg-migrate down` (then `up` again between runs).
 * undo --count 1 --yes includes its backup and verify gate in both paths; the
 * head is applied again between runs (by migrate on the recorded database,
 * so its record stays the newest). Runs alternate so background load hits
 * all alike; medians are reported.
 */
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../dist/pgtools/local-cluster.js';
import { cliMain, flag, log, median, root, seconds, timed } from './common.mjs';

const runs = flag('--runs', 3);
const migrations = path.join(root, 'migrations-fixtures', 'node-pg-migrate', 'real-ts');
const npm = path.join(root, 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js');

const cluster = await startCluster();
const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-round-trip-'));
try {
  const db = {};
  for (const name of ['recorded', 'rehearsal', 'raw']) {
    await cluster.createDatabase(name);
    db[name] = { url: cluster.url(name), storage: path.join(work, `storage-${name}`) };
  }
  const cacheDir = path.join(work, 'cache');
  const tool = async (name, argv, { cache = 'off', expectExit = 0 } = {}) => {
    const r = await execa(process.execPath, [cliMain, ...argv, '--migrations', migrations, '--migrator', 'node-pg-migrate'], {
      env: { ...process.env, DATABASE_URL: db[name].url, DBROLLBACK_STORAGE: db[name].storage, DBROLLBACK_CACHE_DIR: cache === 'warm' ? cacheDir : 'off' },
      reject: false,
    });
    if (r.exitCode !== expectExit) throw new Error(`dbrollback ${argv.join(' ')} on ${name} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const raw = (name, direction) => execa(process.execPath, [npm, direction, '1', '-m', migrations], { env: { ...process.env, DATABASE_URL: db[name].url } });

  log('applying the 63 migrations: dbrollback migrate (recorded), node-pg-migrate up (rehearsal, raw) ...');
  const migrateAll = await timed(() => tool('recorded', ['migrate', '--backup', 'never']));
  const npmAll = await timed(() => execa(process.execPath, [npm, 'up', '-m', migrations], { env: { ...process.env, DATABASE_URL: db.rehearsal.url } }));
  await execa(process.execPath, [npm, 'up', '-m', migrations], { env: { ...process.env, DATABASE_URL: db.raw.url } });

  // The answers must be the same on both paths before their times mean anything.
  const recordedPlan = JSON.parse(await tool('recorded', ['plan', '--count', '1', '--json']));
  const rehearsedPlan = JSON.parse(await tool('rehearsal', ['plan', '--count', '1', '--json']));
  if (recordedPlan.roundTrip?.source !== 'record' || rehearsedPlan.roundTrip?.source !== 'rehearsal') throw new Error(`unexpected round-trip sources: ${recordedPlan.roundTrip?.source}, ${rehearsedPlan.roundTrip?.source}`);
  if (recordedPlan.roundTrip.ok !== true || rehearsedPlan.roundTrip.ok !== true) throw new Error('the head should round-trip exactly on both paths');

  // Primes the cache for the warm runs.
  await tool('rehearsal', ['plan', '--count', '1', '--json'], { cache: 'warm' });
  const t = { planRecorded: [], planRehearsal: [], planWarm: [], undoRecorded: [], undoRehearsal: [], undoWarm: [], rawDown: [] };
  for (let i = 0; i < runs; i++) {
    log(`run ${i + 1}/${runs}`);
    t.rawDown.push((await timed(() => raw('raw', 'down'))).ms);
    await raw('raw', 'up');
    t.planRecorded.push((await timed(() => tool('recorded', ['plan', '--count', '1', '--json']))).ms);
    t.planRehearsal.push((await timed(() => tool('rehearsal', ['plan', '--count', '1', '--json']))).ms);
    t.planWarm.push((await timed(() => tool('rehearsal', ['plan', '--count', '1', '--json'], { cache: 'warm' }))).ms);
    t.undoRecorded.push((await timed(() => tool('recorded', ['undo', '--count', '1', '--yes']))).ms);
    await tool('recorded', ['migrate', '--backup', 'never']);
    t.undoRehearsal.push((await timed(() => tool('rehearsal', ['undo', '--count', '1', '--yes']))).ms);
    await raw('rehearsal', 'up');
    t.undoWarm.push((await timed(() => tool('rehearsal', ['undo', '--count', '1', '--yes'], { cache: 'warm' }))).ms);
    await raw('rehearsal', 'up');
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
  const ratio = (x) => `${(x / m.rawDown).toFixed(1)}×`;
  console.log(`63-migration node-pg-migrate TypeScript history, ${runs} runs, medians (s)`);
  console.log(`apply all 63: dbrollback migrate (schema recorded before each) ${seconds(migrateAll.ms)} s, node-pg-migrate up ${seconds(npmAll.ms)} s`);
  console.log('| command | recorded path | rehearsal path, cold | rehearsal path, warm cache | node-pg-migrate down |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| plan --count 1 | ${seconds(m.planRecorded)} (${ratio(m.planRecorded)}) | ${seconds(m.planRehearsal)} (${ratio(m.planRehearsal)}) | ${seconds(m.planWarm)} (${ratio(m.planWarm)}) | |`);
  console.log(`| undo --count 1 --yes | ${seconds(m.undoRecorded)} (${ratio(m.undoRecorded)}) | ${seconds(m.undoRehearsal)} (${ratio(m.undoRehearsal)}) | ${seconds(m.undoWarm)} (${ratio(m.undoWarm)}) | ${seconds(m.rawDown)} |`);
  console.log(`rehearsal inside plan (roundTrip.durationMs): ${seconds(rehearsedPlan.roundTrip.durationMs)} s; record check: ${seconds(recordedPlan.roundTrip.durationMs)} s`);
} finally {
  await cluster.stop();
  await rm(work, { recursive: true, force: true });
}
