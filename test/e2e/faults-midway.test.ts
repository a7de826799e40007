/**
 * Faults in the middle of a run, through the built CLI: pg_dump dying while
 * it streams, the connection of the downs terminated inside their
 * transaction, an undo whose backup fails. After each the database is
 * exactly as the message says, nothing unusable is listed as usable, and the
 * audit record tells what happened. Also: --no-backup is in the record.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapter, resolveConfig } from '../../src/index.js';
import { faultBuiltCli, PROJECT_ROOT, runBuiltCli } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';

const SQL_SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');

interface AuditRun {
  command: string;
  outcome: string;
  noBackup?: boolean;
  error: { code: string; message: string } | null;
  steps: Array<{ name: string; status: string }>;
}

describe('faults midway (built CLI)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  async function shop(): Promise<{ database: string; args: string[] }> {
    const db = await cluster.createDatabase();
    const url = cluster.url(db.database);
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-midway-'));
    const adapter = await openAdapter(await resolveConfig({ databaseUrl: url, migrations: SQL_SHOP }, { env: {} }));
    await adapter.up(2);
    await cluster.sql(db.database, await readFile(path.join(PROJECT_ROOT, 'migrations-fixtures', 'seed.sql'), 'utf8'));
    await adapter.up(2);
    await adapter.close();
    return { database: db.database, args: ['--database-url', url, '--migrations', SQL_SHOP, '--storage', storage] };
  }

  /** More than a pipe's worth of table data, so pg_dump is still copying (blocked on the paused upload) when its session ends. */
  async function withBigTable(database: string): Promise<void> {
    await cluster.sql(database, 'CREATE TABLE audit_log AS SELECT i AS id, md5(i::text) || md5((i * 7)::text) AS line FROM generate_series(1, 200000) i');
  }

  const runs = async (args: string[]) => (await runBuiltCli(['history', ...args, '--json'])).json<{ runs: AuditRun[] }>().runs;
  const head = async (database: string) => (await cluster.sql<{ name: string }>(database, 'SELECT name FROM dbrollback_migrations ORDER BY name DESC LIMIT 1'))[0]!.name;
  /** End the server sessions of one kind: what a crashed client, a restarted pooler or an admin's pg_terminate_backend does. */
  const terminate = async (database: string, where: string): Promise<void> => {
    const ended = await cluster.sql<{ ok: boolean }>(database, `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`);
    // The fault must really have happened for the test to mean anything.
    expect(ended.length).toBeGreaterThan(0);
  };

  it('pg_dump dying mid-stream: exit 1 naming pg_dump, no usable backup, the run recorded as failed', async () => {
    const s = await shop();
    await withBigTable(s.database);
    const r = await faultBuiltCli(['backup', ...s.args, '--json'], 'backup:dump', () => terminate(s.database, "application_name LIKE 'dbrollback-dump-%'"));
    expect(r.paused).toBe(true);
    expect(r.exitCode).toBe(1);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'BACKUP_FAILED' } });
    expect(r.stderr).toMatch(/pg_dump/);
    expect(r.stderr).toMatch(/No manifest was written: this backup is incomplete and will never be used/);
    const listed = (await runBuiltCli(['backups', ...s.args, '--json'])).json<{ backups: Array<{ status: string }> }>().backups;
    expect(listed.filter((b) => b.status === 'complete')).toEqual([]);
    expect((await runs(s.args))[0]).toMatchObject({ command: 'backup', outcome: 'failed' });
  });

  it('the connection of the downs terminated inside their transaction: exit 1, nothing undone, and the message says so', async () => {
    const s = await shop();
    // Paused with a down's statements run and its transaction still open.
    const r = await faultBuiltCli(['undo', ...s.args, '--count', '2', '--yes', '--accept-data-loss', '--json'], 'undo:in-down-transaction', () => terminate(s.database, "state = 'idle in transaction'"));
    expect(r.paused).toBe(true);
    expect(r.exitCode).toBe(1);
    const report = r.json<{ outcome: string; undone: string[]; backupId: string; error: { message: string } }>();
    expect(report.outcome).toBe('failed');
    expect(report.undone).toEqual([]);
    expect(report.error.message).toMatch(/no migration was undone/);
    expect(report.backupId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(await head(s.database)).toBe('004_rename-order-note');
    // The same undo then completes.
    expect((await runBuiltCli(['undo', ...s.args, '--count', '2', '--yes', '--accept-data-loss'])).exitCode).toBe(0);
    expect(await head(s.database)).toBe('002_add-customer-phone');
  });

  it('an undo whose backup fails never runs a down: exit 1, head unchanged, the record says the backup failed and the downs did not run', async () => {
    const s = await shop();
    await withBigTable(s.database);
    // --backup full: the rename puts no rows at risk, so the default (auto) would dump only the schema, done before the fault lands.
    const r = await faultBuiltCli(['undo', ...s.args, '--count', '1', '--backup', 'full', '--yes', '--accept-data-loss', '--json'], 'backup:dump', () => terminate(s.database, "application_name LIKE 'dbrollback-dump-%'"));
    expect(r.paused).toBe(true);
    expect(r.exitCode).toBe(1);
    expect(await head(s.database)).toBe('004_rename-order-note');
    const [record] = await runs(s.args);
    expect(record).toMatchObject({ command: 'undo', outcome: 'failed' });
    expect(record!.steps.find((x) => x.name === 'backup')?.status).toBe('failed');
    expect(record!.steps.find((x) => x.name === 'down')?.status).toBe('not-run');
  });

  it('--no-backup is recorded in the audit record, with the backup step skipped', async () => {
    const s = await shop();
    const r = await runBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--no-backup']);
    expect(r.exitCode).toBe(0);
    const [record] = await runs(s.args);
    expect(record).toMatchObject({ command: 'undo', outcome: 'success', noBackup: true });
    expect(record!.steps.find((x) => x.name === 'backup')?.status).toBe('skipped');
  });
});
