#!/usr/bin/env node
/**
 * The main job on the embedded default: a throwaway "production" PostgreSQL
 * (initdb on a free loopback port) running the bundled shop migrations with
 * some customers and orders, a backup of it in a local directory storage —
 * then `dbrollback drill all`, as CI would run it every day: the migrations
 * walked up → down → up on seeded data, the backup restored and verified in
 * a throwaway database, and the cluster (archiving its WAL through
 * `dbrollback wal-push`, with a base backup) recovered to its newest archived
 * moment in a throwaway data directory. The drill
 * gets DATABASE_URL and leaves that database alone. Everything is removed at
 * the end; the exit code is the drill's (0 passed, 3 found a problem, 1 could
 * not run). Usage: npm run build && node scripts/drill-demo.mjs [--provider P]
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startCluster } = await import(path.join(root, 'dist/pgtools/local-cluster.js'));
const { openAdapter, resolveConfig } = await import(path.join(root, 'dist/index.js'));

const project = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-demo-'));
// The server runs as the postgres OS user when this runs as root: its archive_command writes to the storage too.
await chmod(project, 0o755);
const storage = path.join(project, 'backups');
await mkdir(storage, { mode: 0o777 });
await chmod(storage, 0o777);
const cliPath = path.join(root, 'dist/cli/main.js');
const quote = (v) => `'${v.replace(/'/g, `'\\''`)}'`;
const archiveCommand = [process.execPath, cliPath, 'wal-push', '%p', '--storage', storage].map((w) => (w === '%p' ? w : quote(w).replace(/%/g, '%%'))).join(' ');
const say = (text) => process.stdout.write(`\n\x1b[1m${text}\x1b[0m\n`);
let cluster;
let exitCode = 1;
try {
  say('Starting a throwaway "production" PostgreSQL cluster (initdb on a free loopback port), archiving its WAL with dbrollback wal-push...');
  cluster = await startCluster({ settings: { wal_level: "'replica'", archive_mode: "'on'", archive_command: `'${archiveCommand.replace(/'/g, "''")}'`, max_wal_senders: 4 } });
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

  say('1. Last night\'s backups, to the local storage ./backups: a logical one, and a base backup for point-in-time recovery:');
  if (cli('backup', '--label', 'nightly') !== 0) throw new Error('the backup failed');
  if (cli('base-backup', '--label', 'nightly') !== 0) throw new Error('the base backup failed');
  await cluster.sql('shop', "INSERT INTO customers (email, name) VALUES ('late@example.com', 'Written after the base backup')");
  await cluster.sql('postgres', 'SELECT pg_switch_wal()');
  say('2. The drill: every down rehearsed on data, the backup restored and proven, the WAL archive replayed to its newest moment — all in throwaway PostgreSQL.');
  exitCode = cli('drill', 'all', '--seed', 'seed.sql', '--junit', 'drill.xml', ...process.argv.slice(2));
  const junit = await readFile(path.join(project, 'drill.xml'), 'utf8').catch(() => '');
  say(`Done (drill exit code ${exitCode}). The JUnit report had ${(junit.match(/<testcase /g) ?? []).length} test cases; everything is removed now.`);
} finally {
  await cluster?.stop();
  await rm(project, { recursive: true, force: true });
}
process.exitCode = exitCode;
