/**
 * migrate stops when a migration it applied leaves an INVALID index — and
 * only then. An index already INVALID before the run (a failed CONCURRENTLY
 * build by hand, last week) is this migration's only when its up builds that
 * very index with IF NOT EXISTS (the build is then skipped, and the index
 * stays INVALID under a migration recorded as applied); a short name that
 * merely occurs in the up's text is not that.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

describe('migrate and an index that was INVALID before the run', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  /** A database whose orders table holds an INVALID unique index `idx` (a CONCURRENTLY build that met duplicates). */
  async function withInvalidIdx(): Promise<{ database: string; url: string }> {
    const { database } = await cluster.createDatabase();
    await cluster.sql(database, "CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL); INSERT INTO orders VALUES (1, 'open'), (2, 'open')");
    await cluster.sql(database, 'CREATE UNIQUE INDEX CONCURRENTLY idx ON orders (status)').catch(() => undefined);
    const [row] = await cluster.sql<{ valid: boolean }>(database, "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'idx'::regclass");
    expect(row!.valid).toBe(false);
    return { database, url: cluster.url(database) };
  }

  async function migrate(url: string, files: Record<string, string>) {
    const project = await dirWith(files);
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-invalid-index-storage-'));
    return runBuiltCli(['migrate', '--migrations', project, '--migrator', 'sql', '--database-url', url, '--storage', storage, '--json']);
  }

  it('an up that only names it in passing (idx_orders_status, a comment) is applied: exit 0', async () => {
    const { url } = await withInvalidIdx();
    const run = await migrate(url, {
      '001_orders-status-index.up.sql': '-- replaces idx (see the incident notes)\nCREATE INDEX IF NOT EXISTS idx_orders_status ON orders (status);\n',
      '001_orders-status-index.down.sql': 'DROP INDEX idx_orders_status;\n',
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<{ applied: string[] }>().applied).toEqual(['001_orders-status-index']);
  });

  it('an up that builds it IF NOT EXISTS (skipped, still INVALID) stops the run: exit 1, naming the index', async () => {
    const { url } = await withInvalidIdx();
    const run = await migrate(url, {
      '001_orders-status-unique.up.sql': 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON public.orders (status);\n',
      '001_orders-status-unique.down.sql': 'DROP INDEX CONCURRENTLY idx;\n',
    });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.json<{ error: { message: string } }>().error.message).toContain('001_orders-status-unique is recorded as applied in the sql history, but the index public.idx is INVALID afterwards');
  });
});
