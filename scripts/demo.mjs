#!/usr/bin/env node
/**
 * The embedded demo: a throwaway PostgreSQL cluster (initdb in a temp dir),
 * the "shop" SQL migrations from migrations-fixtures/, and local directory
 * storage — then the real CLI, step by step, as an on-call engineer runs it:
 * status → backup → plan → undo → verify → history. Everything is removed at
 * the end. Usage: npm run build && node scripts/demo.mjs
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startCluster } = await import(path.join(root, 'dist/pgtools/local-cluster.js'));
const { openAdapter, resolveConfig } = await import(path.join(root, 'dist/index.js'));

const project = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-demo-'));
const say = (text) => process.stdout.write(`\n\x1b[1m${text}\x1b[0m\n`);
let cluster;
try {
  say('Starting a throwaway PostgreSQL cluster (initdb on a free loopback port)...');
  cluster = await startCluster();
  await cluster.createDatabase('shop');
  await cp(path.join(root, 'migrations-fixtures/sql/shop'), path.join(project, 'migrations'), { recursive: true });
  await writeFile(path.join(project, 'dbrollback.config.json'), `${JSON.stringify({ migrations: './migrations', storage: './backups' }, null, 2)}\n`);
  // The password reaches the CLI through the environment, never argv.
  const env = { ...process.env, DATABASE_URL: cluster.url('shop') };

  say('Deploying the shop: migrations 001-002, some customers and orders, then 003-004 (an index, a column rename).');
  const adapter = await openAdapter(await resolveConfig({ databaseUrl: cluster.url('shop') }, { cwd: project, env: {} }));
  await adapter.up(2);
  await cluster.sql('shop', await readFile(path.join(root, 'migrations-fixtures/seed.sql'), 'utf8'));
  await adapter.up(2);

  const cli = (...args) => {
    process.stdout.write(`\n$ dbrollback ${args.join(' ')}\n`);
    try {
      execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args], { cwd: project, env, stdio: 'inherit' });
    } catch (err) {
      process.stdout.write(`(exit code ${err.status})\n`);
    }
  };

  say('1. What is applied?');
  cli('status');
  say('2. The release with 004 is bad. What would rolling it back mean?');
  cli('plan', '--count', '1');
  say('3. Roll back two migrations? The plan shows what the downs would destroy.');
  cli('plan', '--count', '3');
  say('4. Undo the rename: lock, backup (read back and checksummed), down, verify.');
  cli('undo', '--count', '1', '--yes');
  say('5. The integrity gate on its own, against the backup undo took:');
  cli('verify', '--baseline', 'latest', '--expect-head', '003_index-orders-customer', '--expect-changed', 'public.orders,public.dbrollback_migrations');
  say('6. Backups and the audit trail live in the storage, outside the database:');
  cli('backups');
  cli('history');
  say(`Done. Storage was ${path.join(project, 'backups')}; everything is removed now.`);
} finally {
  await cluster?.stop();
  await rm(project, { recursive: true, force: true });
}
