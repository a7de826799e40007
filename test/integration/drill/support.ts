/** Shared by the drill tests: the shop fixtures per tool, a seeded "production" with a backup, the Docker gate. */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../../src/run/config.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { backup } from '../../../src/backup/backup.js';
import type { MigratorAdapter } from '../../../src/tools/contract.js';
import { openAdapter } from '../../../src/tools/registry.js';
import { openRun } from '../../../src/run/run-context.js';
import { PROVIDERS } from '../../../src/drill/providers/registry.js';
import type { Cluster } from '../../harness/cluster.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../migrations-fixtures');
export const SEED = { name: 'seed.sql', sql: await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8') };
export const TOOLS = ['sql', 'node-pg-migrate', 'umzug'] as const;
export type Tool = (typeof TOOLS)[number];

/** Opens a shop fixture's migration tool on a given database, as the CLI does from the config. */
export async function shopMigrator(tool: Tool, dir?: string): Promise<(conn: ConnInfo) => Promise<MigratorAdapter>> {
  const config =
    tool === 'umzug'
      ? await resolveConfig({ config: path.join(dir ?? path.join(FIXTURES, 'umzug/shop'), 'dbrollback.config.mjs') })
      : await resolveConfig({ migrations: dir ?? path.join(FIXTURES, tool, 'shop') });
  return async (conn) => openAdapter({ ...config, conn });
}

/** A private copy of the sql shop fixture with some files replaced. */
export async function brokenSqlShop(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-fixture-'));
  const dir = path.join(base, 'shop');
  await cp(path.join(FIXTURES, 'sql/shop'), dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return { dir, cleanup: () => rm(base, { recursive: true, force: true }) };
}

/** A "production" database: the shop schema (sql fixture, all seven migrations) with the seed rows, and a backup of it in a directory storage. */
export async function productionWithBackup(cluster: Cluster, storageDir: string): Promise<{ conn: ConnInfo; backupId: string; sizeBytes: number }> {
  const conn = await cluster.createDatabase();
  const config = await resolveConfig({ databaseUrl: cluster.url(conn.database), migrations: path.join(FIXTURES, 'sql/shop'), storage: storageDir });
  const run = openRun(config);
  try {
    const adapter = await run.adapter();
    await adapter.up(2);
    await cluster.sql(conn.database, SEED.sql);
    await adapter.up();
    run.headChanged();
    const made = await backup(run, { label: 'drill test' });
    return { conn, backupId: made.manifest.id, sizeBytes: made.manifest.sizeBytes };
  } finally {
    await run.close();
  }
}

/** Flip bytes in the middle of every dump under a directory storage (the manifest keeps the old sha256). */
export async function corruptDumps(storageDir: string): Promise<number> {
  let n = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.pgcustom')) {
        const bytes = await readFile(p);
        for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 16 && i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0xff;
        await writeFile(p, bytes);
        n += 1;
      }
    }
  };
  await walk(storageDir);
  return n;
}

/**
 * Whether the testcontainers tests can run. Where no engine answers they
 * skip, loudly; in CI once dockerd was started (DBROLLBACK_EXPECT_DOCKER=1)
 * a skip would hide a broken drill, so it fails instead.
 */
export async function dockerGate(): Promise<{ run: boolean; why: string | null; mustRun: boolean }> {
  const why = await PROVIDERS.testcontainers.unavailable({ timeoutMs: 5_000 });
  const mustRun = process.env.CI === 'true' && process.env.DBROLLBACK_EXPECT_DOCKER === '1';
  if (why !== null && !mustRun) {
    console.warn(`\n*** SKIPPING the testcontainers drill tests: ${why} ***\n*** (in CI, .ci/run starts dockerd and builds postgres:15; then these tests must run) ***\n`);
  }
  return { run: why === null, why, mustRun };
}
