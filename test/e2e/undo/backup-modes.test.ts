/**
 * undo --backup auto|tables|full|never (issue #22) through the built CLI:
 * a partial backup holds the rows of exactly what the downs destroy (and
 * the schema), is listed as partial, restores its tables side by side or in
 * place (foreign keys from other tables made again), and is refused where it
 * does not cover what is asked; auto relies on a healthy WAL archive (a
 * restore point whose segment is archived) and takes the tables too when the
 * downs destroy data; an undo killed during its tables backup is journaled.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapter, resolveConfig } from '../../../src/index.js';
import { interruptBuiltCli, PROJECT_ROOT, runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { archivingCluster, fileArchive, type ArchiveTarget } from '../../integration/wal/support.js';

const SQL_SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');

interface UndoJson {
  ok: boolean;
  backupId: string | null;
  backup: { mode: string; taken: string; reason: string; backupId: string | null; tables: string[]; restorePoint: { name: string; lsn: string; walFile: string } | null };
  plan: { safetyBackup?: { taken: string }; steps: Array<{ action: string; detail: string }> };
  verify: { ok: boolean; checks: Array<{ id: string; status: string; detail: string }> };
}

/** A shop database at 002 (customers.phone filled in by the seed), its own storage; the down of 002 drops customers.phone. */
async function shopAt002(cluster: Cluster, storage?: string): Promise<{ url: string; database: string; storage: string; args: string[] }> {
  const db = await cluster.createDatabase();
  const url = cluster.url(db.database);
  const dir = storage ?? (await mkdtemp(path.join(os.tmpdir(), 'dbrollback-undo-modes-')));
  const adapter = await openAdapter(await resolveConfig({ databaseUrl: url, migrations: SQL_SHOP }, { env: {} }));
  await adapter.up(2);
  await cluster.sql(db.database, await readFile(path.join(PROJECT_ROOT, 'migrations-fixtures', 'seed.sql'), 'utf8'));
  await adapter.close();
  return { url, database: db.database, storage: dir, args: ['--database-url', url, '--migrations', SQL_SHOP, '--storage', dir] };
}

const phones = async (cluster: Cluster, database: string, table = 'public.customers') =>
  (await cluster.sql<{ id: number; phone: string | null }>(database, `SELECT id, phone FROM ${table} ORDER BY id`)).map((r) => `${r.id}:${r.phone}`);

describe('undo --backup tables and partial backups', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  it('takes a partial backup of the at-risk table, lists it as partial, restores it side by side and with --replace, and refuses what it does not cover', async () => {
    const s = await shopAt002(cluster);
    const before = await phones(cluster, s.database);
    expect(before.some((p) => !p.endsWith(':null'))).toBe(true);

    const undo = await runBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--backup', 'tables', '--json']);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const report = undo.json<UndoJson>();
    expect(report.backup).toMatchObject({ mode: 'tables', taken: 'tables', tables: ['public.customers'] });
    expect(report.backup.reason).toMatch(/drop-column public\.customers\.phone/);
    expect(report.plan.safetyBackup).toMatchObject({ taken: 'tables' });
    expect(report.plan.steps.find((st) => st.action === 'backup')?.detail).toMatch(/^tables taken: --backup tables/);
    // Only the backup's table is fingerprinted; every other one is judged by its write counters.
    expect(report.verify.checks.find((c) => c.id === 'fingerprints')?.detail).toMatch(/other tables? unchanged by write counters/);
    const id = report.backupId!;

    const listed = (await runBuiltCli(['backups', ...s.args, '--json'])).json<{ backups: Array<{ id: string; partial: { tables: string[] } | null }> }>().backups;
    expect(listed.find((b) => b.id === id)?.partial?.tables).toEqual(['public.customers']);
    const human = await runBuiltCli(['backups', ...s.args]);
    expect(human.stdout).toMatch(/partial: rows of public\.customers \+ schema/);
    const [record] = (await runBuiltCli(['history', ...s.args, '--json'])).json<{ runs: Array<{ extra?: { backup?: { taken: string; reason: string } } }> }>().runs;
    expect(record?.extra?.backup).toMatchObject({ taken: 'tables' });

    // Asked for more than it covers: exit 2, naming what it covers, nothing touched.
    const whole = await runBuiltCli(['restore', ...s.args, '--backup', id, '--target-database', cluster.url(`${s.database}_copy`), '--yes']);
    expect(whole.exitCode).toBe(2);
    expect(whole.stderr).toMatch(/partial: it holds the rows of public\.customers/);
    expect(whole.stderr).toContain('--into-database URL (not --target-database, which restores a whole database)');
    const outside = await runBuiltCli(['restore', ...s.args, '--backup', id, '--tables', 'public.orders', '--yes']);
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toMatch(/public\.orders, which partial backup \S+ does not cover/);
    expect(outside.stderr).toMatch(/covers public\.customers/);

    // Side by side: the table with its dropped column comes back in a schema of its own.
    const side = await runBuiltCli(['restore', ...s.args, '--backup', id, '--json']);
    expect(side.exitCode, side.stderr).toBe(0);
    const sideReport = side.json<{ schema: string; replaced: boolean; tables: Array<{ matches: boolean }> }>();
    expect(sideReport.replaced).toBe(false);
    expect(sideReport.tables.every((t) => t.matches)).toBe(true);
    expect(await phones(cluster, s.database, `"${sideReport.schema}".customers`)).toEqual(before);
    expect(await cluster.sql(s.database, `SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'customers' AND column_name = 'phone'`)).toHaveLength(0);

    // The application writes on after the undo: one customer more, one renamed.
    await cluster.sql(s.database, "INSERT INTO customers (email, name) VALUES ('late@example.com', 'Late'); UPDATE customers SET name = name || ' (renamed)' WHERE id = (SELECT min(id) FROM customers)");
    // In place: swapped in, orders' foreign key made again on the restored customers.
    const replace = await runBuiltCli(['restore', ...s.args, '--backup', id, '--replace', '--yes', '--json']);
    expect(replace.exitCode, replace.stderr).toBe(0);
    const replaced = replace.json<{ replaced: boolean; aside: string; recreatedKeys: string[]; safetyBackupId: string; keptAside: unknown[] }>();
    expect(replaced.replaced).toBe(true);
    // Those writes are in the table put aside, counted by primary key (the phone column, only on one side, left out).
    expect(replaced.keptAside).toEqual([{ table: 'public.customers', aside: `${replaced.aside}.customers`, onlyAside: 1, changed: 1, onlyRestored: 0, note: null }]);
    expect(replaced.recreatedKeys.join(',')).toMatch(/orders/);
    expect(replaced.safetyBackupId).toMatch(/^\d{8}T/);
    expect(await phones(cluster, s.database)).toEqual(before);
    const [fk] = await cluster.sql<{ target: string }>(s.database, `SELECT confrelid::regclass::text AS target FROM pg_constraint WHERE conrelid = 'public.orders'::regclass AND contype = 'f'`);
    expect(fk?.target).toBe('customers');
    // Ten CLI runs in one story: on a loaded 2-core machine that takes more than the default minute.
  }, 180_000);

  it('auto without a WAL archive takes the tables backup and says why', async () => {
    const s = await shopAt002(cluster);
    const undo = await runBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--json']);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const report = undo.json<UndoJson>();
    expect(report.backup).toMatchObject({ mode: 'auto', taken: 'tables', tables: ['public.customers'], restorePoint: null });
    expect(report.backup.reason).toMatch(/archive_mode = off/);
  });

  it('--backup full is a whole backup; --backup never takes none and says so loudly; a bad mode is exit 2', async () => {
    const s = await shopAt002(cluster);
    const full = await runBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--backup', 'full', '--json']);
    expect(full.exitCode, full.stderr).toBe(0);
    expect(full.json<UndoJson>().backup).toMatchObject({ taken: 'full', tables: [] });
    const t = await shopAt002(cluster);
    const never = await runBuiltCli(['undo', ...t.args, '--count', '1', '--yes', '--accept-data-loss', '--backup', 'never', '--json']);
    expect(never.exitCode, never.stderr).toBe(0);
    expect(never.stderr).toMatch(/WARNING: no backup is taken/);
    expect(never.json<UndoJson>().backup).toMatchObject({ taken: 'none', backupId: null });
    const bad = await runBuiltCli(['undo', ...t.args, '--count', '1', '--yes', '--backup', 'some']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--backup must be one of auto, full, tables, never/);
  });

  it('an undo killed (kill -9) during its tables backup is journaled as interrupted, the database untouched, and undo again completes', async () => {
    const s = await shopAt002(cluster);
    const before = await phones(cluster, s.database);
    const r = await interruptBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--backup', 'tables'], 'backup:dump', 'SIGKILL');
    expect(r.paused).toBe(true);
    expect(await phones(cluster, s.database)).toEqual(before);
    const [run] = (await runBuiltCli(['history', ...s.args, '--json'])).json<{ runs: Array<{ command: string; outcome: string; lastCompletedStep: string | null }> }>().runs;
    expect(run).toMatchObject({ command: 'undo', outcome: 'interrupted', lastCompletedStep: 'confirm' });
    const backups = (await runBuiltCli(['backups', ...s.args, '--json'])).json<{ backups: Array<{ status: string }> }>().backups;
    expect(backups.every((b) => b.status !== 'complete')).toBe(true);
    const again = await runBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--backup', 'tables', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/note: an earlier undo .* was interrupted/);
  });
});

describe('undo --backup auto with a healthy WAL archive', () => {
  let archive: ArchiveTarget;
  let cluster: Cluster;
  beforeAll(async () => {
    archive = await fileArchive();
    cluster = await archivingCluster(archive);
  });
  afterAll(async () => cluster?.stop());

  it('sets a restore point whose segment is archived, and also takes the tables backup because the down destroys data', async () => {
    const s = await shopAt002(cluster, archive.url);
    const base = await runBuiltCli(['base-backup', ...s.args]);
    expect(base.exitCode, base.stderr).toBe(0);
    const undo = await runBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--accept-data-loss', '--json']);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const report = undo.json<UndoJson>();
    expect(report.backup).toMatchObject({ mode: 'auto', taken: 'restore-point+tables', tables: ['public.customers'] });
    expect(report.backup.restorePoint?.name).toMatch(/^dbrollback:before-undo:/);
    expect(report.backup.reason).toMatch(/WAL archive healthy from base backup/);
    // The segment holding the point is in the archive.
    const listed = await archive.storage.list(`wal/`);
    expect(listed.some((o) => o.key.includes(report.backup.restorePoint!.walFile))).toBe(true);
  });

  it('with nothing at risk, auto takes only the restore point: no dump at all', async () => {
    const s = await shopAt002(cluster, archive.url);
    const adapter = await openAdapter(await resolveConfig({ databaseUrl: s.url, migrations: SQL_SHOP }, { env: {} }));
    await adapter.up(1); // 003: an index, whose down drops only the index
    await adapter.close();
    expect((await runBuiltCli(['base-backup', ...s.args])).exitCode).toBe(0);
    const before = (await runBuiltCli(['backups', ...s.args, '--json'])).json<{ backups: unknown[] }>().backups.length;
    const undo = await runBuiltCli(['undo', ...s.args, '--count', '1', '--yes', '--json']);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const report = undo.json<UndoJson>();
    expect(report.backup).toMatchObject({ taken: 'restore-point', backupId: null });
    expect(report.backupId).toBeNull();
    expect((await runBuiltCli(['backups', ...s.args, '--json'])).json<{ backups: unknown[] }>().backups.length).toBe(before);
  });
});
