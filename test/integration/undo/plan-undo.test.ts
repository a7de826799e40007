import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listHistory, openStorage, plan, undo, resolveConfig } from '../../../src/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { catalogFingerprint, shopAt, TOOLS } from './support.js';
import { runOf } from '../../harness/runs.js';

describe.each(TOOLS)('plan and undo with %s', (tool) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  it('chooses each rollback type from the history', async () => {
    const p = await shopAt(cluster, tool, 4); // head 006_backfill-product-sku
    const app = await plan(runOf(p.config), { target: { to: '006_backfill-product-sku' } });
    expect(app.type).toBe('app-only');
    expect(app.steps).toEqual([{ action: 'none', detail: expect.any(String) }]);

    const restore = await plan(runOf(p.config), { target: { count: 1 } });
    expect(restore.type).toBe('restore');
    expect(restore.reasons.join(' ')).toMatch(/006_backfill-product-sku/);

    const other = await shopAt(cluster, tool, 2); // head 004_rename-order-note
    const breaking = await plan(runOf(other.config), { target: { count: 1 } });
    // umzug migrations are code: plan runs them in a throwaway cluster to see their SQL.
    expect(breaking.type).toBe('undo');
    expect(breaking.migrations[0]).toMatchObject({ name: '004_rename-order-note', compatibility: 'breaking', dataLoss: 'none', reversible: true });
    expect(breaking.steps.map((s) => s.action)).toEqual(['pause-traffic', 'backup', 'down', 'verify', 'resume-traffic']);

    const additive = await plan(runOf((await shopAt(cluster, tool, 1)).config), { target: { count: 2 } }); // 003 index, 002 column
    expect(additive.type).toBe('schema-stays');
    expect(additive.steps[0]!.action).toBe('keep-schema');
  });

  it('measures the live data a down would destroy', async () => {
    const p = await shopAt(cluster, tool, 1);
    await cluster.sql(p.database, "UPDATE customers SET phone = '+1 555 0100' WHERE phone IS NULL");
    const expected = await cluster.sql<{ n: string }>(p.database, 'SELECT count(phone) AS n FROM customers');
    const result = await plan(runOf(p.config), { target: { count: 2 } });
    const phone = result.migrations.find((m) => m.name === '002_add-customer-phone')!;
    expect(phone.atRisk!.rows).toBe(Number(expected[0]!.n));
    expect(phone.atRisk!.objects[0]).toMatchObject({ action: 'drop-column', name: 'public.customers.phone', exists: true });
    expect(phone.atRisk!.bytes).toBeGreaterThan(0);
    expect(result.atRisk.rows).toBe(Number(expected[0]!.n));
  });

  it('undoes a reversible rename end to end: backup, down, verify, audit record', async () => {
    const p = await shopAt(cluster, tool, 2); // head 004_rename-order-note
    const notes = await cluster.sql<{ n: string }>(p.database, 'SELECT count(customer_note) AS n FROM orders');
    const report = await undo(runOf(p.config), { yes: true,  target: { count: 1 } });
    expect(report.error).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.undone).toEqual(['004_rename-order-note']);
    expect(report.backupId).toMatch(/^\d{8}T\d{6}Z-/);
    expect(report.verify?.ok).toBe(true);
    expect(report.verify?.checks.find((c) => c.id === 'fingerprints')?.status).toBe('pass');
    expect(report.steps.map((s) => [s.name, s.status])).toEqual([
      ['lock', 'success'],
      ['plan', 'success'],
      ['safety', 'success'],
      ['confirm', 'success'],
      ['pause-traffic', 'skipped'],
      ['backup', 'success'],
      ['down', 'success'],
      ['verify', 'success'],
      ['resume-traffic', 'skipped'],
    ]);
    const after = await cluster.sql<{ n: string }>(p.database, 'SELECT count(note) AS n FROM orders');
    expect(after[0]!.n).toBe(notes[0]!.n);
    const storage = openStorage(p.storageDir);
    const records = await listHistory(storage);
    expect(records[0]!.record).toMatchObject({ command: 'undo', outcome: 'success', backupId: report.backupId, undone: ['004_rename-order-note'] });
    expect(await readdir(path.join(p.storageDir, 'backups', report.backupId!))).toContain('manifest.json');
  });

  it('refuses to drop a column holding data without --accept-data-loss, and does it with', async () => {
    const p = await shopAt(cluster, tool, 0); // head 002_add-customer-phone, seeded phones
    const before = await catalogFingerprint(cluster, p.database);
    const refused = await undo(runOf(p.config), { yes: true,  target: { count: 1 } });
    expect(refused.ok).toBe(false);
    expect(refused.error?.code).toBe('DATA_LOSS_REFUSED');
    expect(refused.error?.exitCode).toBe(4);
    expect(refused.error?.message).toContain('public.customers.phone');
    expect(refused.steps.find((s) => s.name === 'backup')?.status).toBe('not-run');
    expect(await catalogFingerprint(cluster, p.database)).toBe(before);

    const done = await undo(runOf(p.config), { yes: true,  target: { count: 1 }, acceptDataLoss: true });
    expect(done.error).toBeNull();
    expect(done.undone).toEqual(['002_add-customer-phone']);
    const columns = await cluster.sql(p.database, "SELECT 1 FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'phone'");
    expect(columns).toHaveLength(0);
  });

  it('an undo plan whose downs destroy live data names --accept-data-loss, which undo refuses without', async () => {
    const p = await shopAt(cluster, tool, 2); // head 004_rename-order-note, seeded phones
    const result = await plan(runOf(p.config), { target: { count: 3 } });
    expect(result.type).toBe('undo');
    expect(result.atRisk.rows).toBeGreaterThan(0);
    expect(result.recommendation).toMatch(/^Run `dbrollback undo --accept-data-loss` with the same target if losing that data is intended: the down migrations destroy \d+ rows\/values in public\.customers\.phone, which undo refuses without --accept-data-loss\./);
    const refused = await undo(runOf(p.config), { yes: true, target: { count: 3 } });
    expect(refused.error?.code).toBe('DATA_LOSS_REFUSED');
    // Nothing at risk: the plain command, as before.
    const clean = await plan(runOf(p.config), { target: { count: 1 } });
    expect(clean.recommendation).toMatch(/^Run `dbrollback undo` with the same target: /);
  });

  it('--dry-run changes nothing: catalog, history and storage identical', async () => {
    const p = await shopAt(cluster, tool, 2);
    const before = await catalogFingerprint(cluster, p.database);
    const report = await undo(runOf(p.config), { yes: true,  target: { count: 2 }, dryRun: true, acceptDataLoss: true });
    expect(report.outcome).toBe('dry-run');
    expect(report.plan?.migrations.map((m) => m.name)).toEqual(['004_rename-order-note', '003_index-orders-customer']);
    expect(report.plan?.migrations[0]!.downSql.sql).toMatch(/RENAME.*customer_note.*TO.*note/is);
    expect(report.plan?.migrations[0]!.downSql.source).toBe(tool === 'sql' ? 'file' : tool === 'umzug' ? 'captured' : 'generated');
    expect(await catalogFingerprint(cluster, p.database)).toBe(before);
    expect(await readdir(p.storageDir)).toEqual([]);
  });

  it('refuses an irreversible migration (restore plan) before touching anything', async () => {
    const p = await shopAt(cluster, tool, 5); // head 007 (irreversible)
    const before = await catalogFingerprint(cluster, p.database);
    const report = await undo(runOf(p.config), { yes: true,  target: { count: 1 }, acceptDataLoss: true });
    expect(report.error?.code).toBe('IRREVERSIBLE');
    expect(report.error?.exitCode).toBe(4);
    expect(report.error?.hint).toMatch(/restore/);
    expect(await catalogFingerprint(cluster, p.database)).toBe(before);
  });

  it('bad targets are usage errors and change nothing', async () => {
    const p = await shopAt(cluster, tool, 1);
    const before = await catalogFingerprint(cluster, p.database);
    const beyond = await undo(runOf(p.config), { yes: true,  target: { count: 9 } }).catch((e: unknown) => e);
    expect((beyond as { exitCode: number }).exitCode ?? (beyond as { error: { exitCode: number } }).error?.exitCode).toBe(2);
    const unknown = await undo(runOf(p.config), { yes: true,  target: { to: '999_nope' } }).catch((e: unknown) => e);
    expect(((unknown as { error?: { code: string } }).error?.code ?? (unknown as { code: string }).code)).toBe('MIGRATION_NOT_FOUND');
    expect(await catalogFingerprint(cluster, p.database)).toBe(before);
    const config = await resolveConfig({ ...p.flags, yes: false }, { env: {} });
    const noTty = await undo(runOf(config), { target: { count: 1 }, acceptDataLoss: true });
    expect(noTty.error?.code).toBe('CONFIRMATION_REQUIRED');
    expect(noTty.error?.exitCode).toBe(2);
    expect(await catalogFingerprint(cluster, p.database)).toBe(before);
  });
});
