/**
 * A nightly backup (no --migrations: a database and a storage, run from a
 * directory with no project) of a tool other than dbrollback's own SQL
 * format is used by `restore --before-migration X --backup auto` (issue 25,
 * part 4). Flyway's table names the head as its adapter does
 * (`V3__index_orders_customer`); golang-migrate's records only the version,
 * which the backup keeps and the restore matches against the version status
 * gives the migration before X. The backup was not taken by the run that
 * applied X, so the restore lands on it with the warning part 2 asks for.
 * A backup whose head is unknown is never taken for "before the first
 * migration".
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { query } from '../pitr/support.js';
import { FIXTURES } from '../tools/support.js';

interface RestoreDoc {
  warnings: string[];
  beforeMigration: { kind: string; backupId: string; head: string | null; exact: boolean; warnings: string[] };
}

const TOOLS = [
  {
    kind: 'golang-migrate',
    projectArgs: ['--config', path.join(FIXTURES, 'golang-migrate', 'shop', 'dbrollback.config.json')],
    first: '001_create-tables',
    previous: '003_index-orders-customer',
    x: '004_rename-order-note',
    // Not a name: the version golang-migrate's one row holds.
    manifest: { migrationHead: null, migrator: null, migrationHeadVersion: { migrator: 'golang-migrate', version: '3' } },
  },
  {
    kind: 'flyway',
    projectArgs: ['--migrations', path.join(FIXTURES, 'flyway', 'shop')],
    first: 'V1__create_tables',
    previous: 'V3__index_orders_customer',
    x: 'V4__rename_order_note',
    manifest: { migrationHead: 'V3__index_orders_customer', migrator: 'flyway' },
  },
] as const;

describe.each(TOOLS)('$kind: a nightly backup taken without --migrations', (tool) => {
  let cluster: Cluster;
  let storage: string;
  let url: string;
  let nightlyId: string;
  const run = (...args: string[]) => runBuiltCli([...args, ...tool.projectArgs, '--database-url', url, '--storage', storage, '--json']);

  beforeAll(async () => {
    // Restore points (migrate makes one before each migration) need wal_level replica.
    cluster = await startCluster({ settings: { wal_level: 'replica' } });
    url = cluster.url((await cluster.createDatabase()).database);
    storage = await mkdtemp(path.join(os.tmpdir(), `dbrollback-nightly-head-${tool.kind}-`));
    const migrate = await run('migrate', '--count', '3', '--backup', 'never');
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    await query(url, "CREATE TABLE side (label text); INSERT INTO side VALUES ('before-nightly')");

    // The nightly job: a database and a storage, nothing else, from a directory with no project.
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-nightly-cwd-'));
    const nightly = await runBuiltCli(['backup', '--database-url', url, '--storage', storage, '--label', 'nightly', '--json'], { cwd });
    expect(nightly.exitCode, nightly.stderr).toBe(0);
    nightlyId = nightly.json<{ backup: { id: string } }>().backup.id;

    await query(url, "INSERT INTO side VALUES ('after-nightly')");
    const x = await run('migrate', '--count', '1', '--backup', 'never');
    expect(x.exitCode, x.stderr).toBe(0);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('its manifest records the head as the tool identifies it', async () => {
    const manifest = JSON.parse(await readFile(path.join(storage, 'backups', nightlyId, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject(tool.manifest);
  });

  it('restore --before-migration X --backup auto restores it, warning that it is older than just before X', async () => {
    const target = (await cluster.createDatabase()).database;
    const restore = await runBuiltCli(['restore', '--before-migration', tool.x, '--backup', 'auto', '--target-database', cluster.url(target), '--yes', ...tool.projectArgs, '--database-url', url, '--storage', storage, '--json']);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const doc = restore.json<RestoreDoc>();
    expect(doc.beforeMigration).toMatchObject({ kind: 'logical-backup', backupId: nightlyId, head: tool.previous, exact: false });
    expect(doc.warnings.join('\n')).toContain(`backup ${nightlyId} is older than the state just before ${tool.x}'s latest application`);
    expect((await query<{ label: string }>(cluster.url(target), 'SELECT label FROM side ORDER BY label')).map((r) => r.label)).toEqual(['before-nightly']);
  });

  it('is not taken for the state before the first migration (exit 2, nothing changed)', async () => {
    const target = (await cluster.createDatabase()).database;
    const restore = await runBuiltCli(['restore', '--before-migration', tool.first, '--backup', 'auto', '--target-database', cluster.url(target), '--yes', ...tool.projectArgs, '--database-url', url, '--storage', storage, '--json']);
    expect(restore.exitCode, restore.stderr).toBe(2);
    expect(restore.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'BACKUP_NOT_FOUND', message: expect.stringContaining(`no logical backup was taken at (no migration), the head just before ${tool.first}`) });
  });
});
