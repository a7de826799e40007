/**
 * A code migration's own changes come from its catalog diff too: a column
 * added where the statements cannot show it (inside a DO block) is still the
 * migration's own, so the UPDATE that fills it is no rewrite — while the
 * same UPDATE of a column that existed before stays one. node-pg-migrate
 * migrations, captured and applied in a scratch database of a real cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await removeTempDirs();
  await cluster?.stop();
});

const CREATE = `exports.up = (pgm) => {
  pgm.createTable('orders', { id: 'id', region: { type: 'text' }, total_cents: { type: 'integer' } });
};
exports.down = (pgm) => pgm.dropTable('orders');
`;

describe('own changes seen through the catalog diff', () => {
  it('an UPDATE filling a column a DO block added is not a rewrite; filling a pre-existing one is', async () => {
    const dir = await dirWith({
      '001_create.js': CREATE,
      '002_add-currency-dynamically.js': `exports.up = (pgm) => {
  pgm.sql("DO $$ BEGIN EXECUTE 'ALTER TABLE orders ADD COLUMN currency text'; END $$");
  pgm.sql("UPDATE orders SET currency = 'EUR'");
};
exports.down = (pgm) => pgm.dropColumn('orders', 'currency');
`,
      '003_set-region.js': `exports.up = (pgm) => {
  pgm.sql("UPDATE orders SET region = 'eu'");
};
exports.down = false;
`,
    });
    const { files } = await classifyFiles([dir], { scratch: { server: cluster.conn() } });
    const [, dynamic, region] = files;
    expect(dynamic!.catalog?.changes).toContainEqual(expect.objectContaining({ kind: 'column', object: 'public.orders.currency', change: 'added' }));
    expect(dynamic).toMatchObject({ dataLoss: 'none' });
    expect(dynamic!.statements[1]).toMatchObject({ dataLoss: 'none', findings: [expect.objectContaining({ rule: 'backfill-new-column' })] });
    expect(dynamic!.fills).toEqual([expect.objectContaining({ object: 'column', table: 'public.orders', column: 'currency' })]);
    expect(region).toMatchObject({ dataLoss: 'rewrite', reversible: false });
  });
});

describe('a code migration whose down drops an earlier migration\'s index', () => {
  it('is not reversible, naming the index (node-pg-migrate: the down\'s SQL as its dry run builds it)', async () => {
    const dir = await dirWith({
      '001_create.js': CREATE,
      '002_index-region.js': "exports.up = (pgm) => pgm.createIndex('orders', 'region', { name: 'orders_region_index' });\nexports.down = (pgm) => pgm.dropIndex('orders', 'region', { name: 'orders_region_index' });\n",
      '003_add-total-index.js': `exports.up = (pgm) => pgm.createIndex('orders', 'total_cents', { name: 'orders_total_index' });
exports.down = (pgm) => {
  pgm.dropIndex('orders', 'total_cents', { name: 'orders_total_index' });
  pgm.dropIndex('orders', 'region', { name: 'orders_region_index', ifExists: true });
};
`,
    });
    const { files } = await classifyFiles([dir], { scratch: { server: cluster.conn() } });
    expect(files.map((f) => [f.reversible, f.down?.dropsOtherIndexes ?? []])).toEqual([
      [true, []],
      [true, []],
      [false, ['index orders_region_index']],
    ]);
  });
});
