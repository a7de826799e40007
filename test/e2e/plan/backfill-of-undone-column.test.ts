/**
 * plan over a column added by one migration and backfilled by the next (the
 * expand pattern, and Liquibase's advice to keep DDL and DML in separate
 * changesets): undoing both overwrites no value that existed before them —
 * the older one's down drops the column, with its values at risk — so it is
 * no restore; undoing the backfill alone still is.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

interface PlanDoc {
  type: string;
  reasons: string[];
  migrations: Array<{ name: string; dataLoss: string; reversible: boolean | null; notes: string[]; atRisk: { rows: number } | null }>;
}

describe('plan of a backfill undone together with the migration that added its column', () => {
  let cluster: Cluster;
  let args: string[];

  beforeAll(async () => {
    cluster = await startCluster();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-backfill-undone-storage-'));
    const project = await dirWith({
      '001_create-orders.up.sql': 'CREATE TABLE orders (id serial PRIMARY KEY, qty integer NOT NULL, unit_cents integer NOT NULL);\n',
      '001_create-orders.down.sql': 'DROP TABLE orders;\n',
      '002_add-orders-total.up.sql': 'ALTER TABLE orders ADD COLUMN total_cents integer;\n',
      '002_add-orders-total.down.sql': 'ALTER TABLE orders DROP COLUMN total_cents;\n',
      '003_backfill-orders-total.up.sql': 'UPDATE orders SET total_cents = qty * unit_cents WHERE total_cents IS NULL;\n',
      '003_backfill-orders-total.down.sql': 'UPDATE orders SET total_cents = NULL;\n',
    });
    const { database } = await cluster.createDatabase();
    args = ['--migrations', project, '--migrator', 'sql', '--database-url', cluster.url(database), '--storage', storage];
    expect((await runBuiltCli(['migrate', '--to', '001_create-orders', '--backup', 'never', ...args])).exitCode).toBe(0);
    await cluster.sql(database, 'INSERT INTO orders (qty, unit_cents) SELECT g, 100 FROM generate_series(1, 5) g');
    const migrate = await runBuiltCli(['migrate', '--backup', 'never', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  it('undoing both is no restore (was: "003_backfill-orders-total rewrote existing data in place", a restore); the backfill alone still is', async () => {
    const both = await runBuiltCli(['plan', '--count', '2', '--json', ...args]);
    expect(both.exitCode, both.stderr).toBe(0);
    const doc = both.json<PlanDoc>();
    expect(doc.type).toBe('schema-stays');
    expect(doc.reasons.join('\n')).not.toContain('rewrote');
    expect(doc.migrations.map((m) => [m.name, m.dataLoss, m.reversible])).toEqual([
      ['003_backfill-orders-total', 'none', true],
      ['002_add-orders-total', 'none', true],
    ]);
    expect(doc.migrations[0]!.notes).toContain(
      '003_backfill-orders-total only writes into what 002_add-orders-total created, undone with it: no value that existed before them is overwritten (their down drops what it wrote)',
    );
    // The backfilled values are at risk where they go: the column's drop.
    expect(doc.migrations[1]!.atRisk?.rows).toBe(5);

    const alone = await runBuiltCli(['plan', '--count', '1', '--json', ...args]);
    expect(alone.exitCode, alone.stderr).toBe(0);
    const aloneDoc = alone.json<PlanDoc>();
    expect(aloneDoc.type).toBe('restore');
    expect(aloneDoc.migrations.map((m) => [m.name, m.dataLoss])).toEqual([['003_backfill-orders-total', 'rewrite']]);
  });
});
