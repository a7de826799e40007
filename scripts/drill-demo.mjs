#!/usr/bin/env node
/**
 * The main job on the embedded default: a throwaway "production" PostgreSQL
 * (initdb on a free loopback port) running the bundled shop migrations with
 * some customers and orders, a backup of it in a local directory storage —
 * then `dbrollback drill all`, as CI would run it every day: the migrations
 * walked up → down → up on seeded data, the backup restored and verified in
 * a throwaway database, point-in-time recovery where it exists. The drill
 * gets DATABASE_URL and leaves that database alone. Everything is removed at
 * the end; the exit code is the drill's (0 passed, 3 found a problem, 1 could
 * not run). Usage: npm run build && node scripts/drill-demo.mjs [--provider P]
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startCluster } = await import(path.join(root, 'dist/pgtools/local-cluster.js'));
const { openAdapter, resolveConfig } = await import(path.join(root, 'dist/index.js'));

const project = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-demo-'));
const say = (text) => process.stdout.write(`\n\x1b[1m${text}\x1b[0m\n`);
let cluster;
let exitCode = 1;
try {
  say('Starting a throwaway "production" PostgreSQL cluster (initdb on a free loopback port)...');
  cluster = await startCluster();
  await cluster.createDatabase('shop');
  await cp(path.join(root, 'migrations-fixtures/sql/shop'), path.join(project, 'migrations'), { recursive: true });
  await cp(path.join(root, 'migrations-fixtures/seed.sql'), path.join(project, 'seed.sql'));
  await writeFile(path.join(project, 'dbrollback.config.json'), `${JSON.stringify({ migrations: './migrations', storage: './backups' }, null, 2)}\n`);
  // The password reaches the CLI through the environment, never argv.
  const env = { ...process.env, DATABASE_URL: cluster.url('shop') };

  say('Deploying the shop: migrations 001-002, some customers and orders, then 003-007.');
  const adapter = await openAdapter(await resolveConfig({ databaseUrl: cluster.url('shop') }, { cwd: project, env: {} }));
  await adapter.up(2);
  await cluster.sql('shop', await readFile(path.join(root, 'migrations-fixtures/seed.sql'), 'utf8'));
  await adapter.up();
  await adapter.close();

  const cli = (...args) => {
    process.stdout.write(`\n$ dbrollback ${args.join(' ')}\n`);
    try {
      execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args], { cwd: project, env, stdio: 'inherit' });
      return 0;
    } catch (err) {
      return err.status ?? 1;
    }
  };

  say('1. Last night\'s backup, to the local storage ./backups:');
  if (cli('backup', '--label', 'nightly') !== 0) throw new Error('the backup failed');
  say('2. The drill: every down rehearsed on data, the backup restored and proven, in a throwaway PostgreSQL.');
  exitCode = cli('drill', 'all', '--seed', 'seed.sql', '--junit', 'drill.xml', ...process.argv.slice(2));
  const junit = await readFile(path.join(project, 'drill.xml'), 'utf8').catch(() => '');
  say(`Done (drill exit code ${exitCode}). The JUnit report had ${(junit.match(/<testcase /g) ?? []).length} test cases; everything is removed now.`);
} finally {
  await cluster?.stop();
  await rm(project, { recursive: true, force: true });
}
process.exitCode = exitCode;
