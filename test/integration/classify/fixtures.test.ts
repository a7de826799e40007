/**
 * Every migration of the fixture sets (sql, node-pg-migrate, umzug, liquibase, sqitch —
 * the same seven steps) classifies as migrations-fixtures/README.md says.
 * Code migrations are captured for real: node-pg-migrate's dry run and the
 * umzug config's own instance, in scratch databases of a throwaway cluster.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import type { FileVerdict } from '../../../src/classify/types.js';
import { PROJECT_ROOT } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

const FIXTURES = path.join(PROJECT_ROOT, 'migrations-fixtures');

/** name → [compatibility, dataLoss, reversible] (README "The steps and how they should classify"). */
const EXPECTED: Record<string, [string, string, boolean]> = {
  '001_create-tables': ['additive', 'none', true],
  '002_add-customer-phone': ['additive', 'none', true],
  '003_index-orders-customer': ['additive', 'none', true],
  '004_rename-order-note': ['breaking', 'none', true],
  '005_drop-customer-legacy-code': ['breaking', 'destructive', false],
  '006_backfill-product-sku': ['additive', 'rewrite', false],
  '007_collapse-order-statuses': ['additive', 'rewrite', false],
};

function verdicts(files: FileVerdict[]): Record<string, [string, string, boolean | null]> {
  return Object.fromEntries(
    files.map((f) => [path.basename(f.path).replace(/(\.up)?\.(sql|js|mjs)$/, ''), [f.compatibility, f.dataLoss, f.reversible]]),
  );
}

function byName(files: FileVerdict[], name: string): FileVerdict {
  return files.find((f) => path.basename(f.path).startsWith(name))!;
}

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => cluster?.stop());

describe('classifying the fixture migrations', () => {
  it('sql: every .up.sql has its README verdict, its down read from the .down.sql', async () => {
    const { files } = await classifyFiles([path.join(FIXTURES, 'sql', 'shop')]);
    expect(files.map((f) => path.basename(f.path))).toEqual(Object.keys(EXPECTED).map((n) => `${n}.up.sql`));
    expect(verdicts(files)).toEqual(EXPECTED);
    expect(files.every((f) => f.kind === 'sql' && f.source === 'static')).toBe(true);

    const index = byName(files, '003');
    expect(index).toMatchObject({ lock: 'SHARE UPDATE EXCLUSIVE', transactional: false });
    expect(byName(files, '004').statements[0]).toMatchObject({ line: 2, lock: 'ACCESS EXCLUSIVE', findings: [expect.objectContaining({ rule: 'rename-column' })] });
    expect(byName(files, '005').down).toMatchObject({ kind: 'yes', compatibility: 'additive', dataLoss: 'none' });
    expect(byName(files, '007').down).toMatchObject({ kind: 'irreversible', statements: [] });
    expect(byName(files, '001').down).toMatchObject({ kind: 'yes', compatibility: 'breaking', dataLoss: 'destructive' });
  });

  it('liquibase and sqitch: each changeset file / deploy script has its README verdict, its down read from --rollback / revert/', async () => {
    for (const [kind, dir] of [
      ['liquibase', path.join(FIXTURES, 'liquibase', 'shop')],
      ['sqitch', path.join(FIXTURES, 'sqitch', 'shop', 'deploy')],
    ] as const) {
      const { files } = await classifyFiles([dir]);
      expect(files.map((f) => path.basename(f.path))).toEqual(Object.keys(EXPECTED).map((n) => `${n}.sql`));
      expect(verdicts(files)).toEqual(EXPECTED);
      expect(files.every((f) => f.kind === kind)).toBe(true);
      expect(byName(files, '003')).toMatchObject({ transactional: false });
      expect(byName(files, '004')).toMatchObject({ transactional: true });
      expect(byName(files, '007').down).toMatchObject({ kind: 'missing' });
      expect(byName(files, '001').down).toMatchObject({ kind: 'yes', compatibility: 'breaking', dataLoss: 'destructive' });
    }
  });

  it('node-pg-migrate: the SQL its dry run generates classifies the same, with downs captured (inferred, false)', async () => {
    const { files } = await classifyFiles([path.join(FIXTURES, 'node-pg-migrate', 'shop')], { scratch: { server: cluster.conn() } });
    expect(verdicts(files)).toEqual(EXPECTED);
    expect(files.every((f) => f.kind === 'node-pg-migrate' && f.source === 'captured')).toBe(true);
    // The tool's own bookkeeping (BEGIN/COMMIT, the pgmigrations insert) is not the migration's SQL.
    for (const f of files) for (const s of f.statements) expect(s.sql).not.toMatch(/pgmigrations|^BEGIN|^COMMIT/);
    expect(byName(files, '001').statements.map((s) => s.kind)).toEqual(['CreateStmt', 'CreateStmt', 'CreateStmt', 'CreateStmt']);
    expect(byName(files, '003')).toMatchObject({ transactional: false, lock: 'SHARE UPDATE EXCLUSIVE' });
    // 002 has no down written: node-pg-migrate infers it (DROP COLUMN), and dbrollback classifies that.
    expect(byName(files, '002').down).toMatchObject({ kind: 'yes', dataLoss: 'destructive' });
    expect(byName(files, '007').down).toMatchObject({ kind: 'irreversible' });
    // Each was also applied for real in the scratch database; the catalog agrees with the statements.
    for (const f of files) expect(f.catalog?.disagreements).toEqual([]);
    expect(byName(files, '001').catalog?.changes.filter((c) => c.kind === 'table').map((c) => c.object)).toEqual(['public.customers', 'public.order_items', 'public.orders', 'public.products']);
    expect(byName(files, '003').catalog?.changes).toEqual([expect.objectContaining({ kind: 'index', object: 'public.orders.orders_customer_id_idx', change: 'added' })]);
  });

  it('umzug: running the config\'s own instance in a scratch database, statements recorded on the wire, catalog diff agrees', async () => {
    const config = (await import(pathToFileURL(path.join(FIXTURES, 'umzug', 'shop', 'dbrollback.config.mjs')).href)) as { umzug: unknown };
    const { files } = await classifyFiles([path.join(FIXTURES, 'umzug', 'shop', 'migrations')], { configModule: config, scratch: { server: cluster.conn() } });
    expect(verdicts(files)).toEqual(EXPECTED);
    expect(files.every((f) => f.kind === 'umzug' && f.source === 'captured')).toBe(true);
    for (const f of files) {
      for (const s of f.statements) expect(s.sql).not.toMatch(/umzug_migrations|^BEGIN|^COMMIT/);
      expect(f.catalog?.disagreements).toEqual([]);
    }
    expect(byName(files, '004').catalog?.changes).toEqual([expect.objectContaining({ kind: 'column', object: 'public.orders.note', change: 'renamed', detail: 'customer_note' })]);
    expect(byName(files, '005').catalog?.changes).toEqual([expect.objectContaining({ kind: 'column', object: 'public.customers.legacy_code', change: 'removed' })]);
    expect(byName(files, '003').statements).toEqual([expect.objectContaining({ kind: 'IndexStmt', transactional: false })]);
    expect(byName(files, '007').down).toMatchObject({ kind: 'missing' });
  });
});
