/**
 * A code migration that swaps an enum-like CHECK for a wider one (the way
 * Knex's `enu(...).alter()` and hand-written migrations add a value) is
 * additive: the catalog diff of the migration, run in a scratch database of
 * a real cluster, shows the CHECK it replaced, and both the statements' and
 * the catalog's verdicts judge the new one against it. A narrower swap, under
 * the same name or another, is breaking by both.
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
  pgm.createTable('orders', { id: 'id', status: { type: 'varchar(20)', notNull: true, check: "status IN ('new', 'paid')" }, total: { type: 'numeric' } });
};
exports.down = (pgm) => pgm.dropTable('orders');
`;

const swap = (drop: string, add: string, values: string) => `exports.up = (pgm) => {
  pgm.dropConstraint('orders', '${drop}');
  pgm.addConstraint('orders', '${add}', { check: "status IN (${values})" });
};
exports.down = false;
`;

describe('a CHECK swap in captured code migrations', () => {
  it('wider under the same name or another is additive; narrower is breaking', async () => {
    const dir = await dirWith({
      '001_create.js': CREATE,
      '002_add-shipped.js': swap('orders_status_check', 'orders_status_check', "'new', 'paid', 'shipped'"),
      '003_add-refunded-renamed.js': swap('orders_status_check', 'orders_status_allowed', "'new', 'paid', 'shipped', 'refunded'"),
      '004_drop-new.js': swap('orders_status_allowed', 'orders_status_allowed', "'paid', 'shipped', 'refunded'"),
    });
    const { files } = await classifyFiles([dir], { scratch: { server: cluster.conn() } });
    const [, sameName, renamed, narrower] = files;
    expect(sameName!.catalog?.changes).toContainEqual(expect.objectContaining({ kind: 'constraint', object: 'public.orders.orders_status_check', change: 'altered', detail: 'definition' }));
    for (const wider of [sameName!, renamed!]) {
      expect(wider.compatibility, JSON.stringify(wider.catalog)).toBe('additive');
      expect(wider.statements.flatMap((s) => s.findings).map((f) => f.rule)).not.toContain('constraint-tightening');
      expect(wider.catalog?.disagreements).toEqual([]);
    }
    expect(narrower!.compatibility).toBe('breaking');
    expect(narrower!.statements.flatMap((s) => s.findings).map((f) => f.rule)).toContain('constraint-tightening');
  });
});

/** Liquibase runs each changeset on its own: a later changeset's swap replaces the CHECK an earlier one added. */
const CHANGELOG = `databaseChangeLog:
  - changeSet:
      id: 001-orders
      author: ops
      changes:
        - sql:
            sql: CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL)
  - changeSet:
      id: 002-status-check
      author: ops
      changes:
        - sql:
            sql: ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid'))
  - changeSet:
      id: 003-status-shipped
      author: ops
      changes:
        - sql:
            sql: ALTER TABLE orders DROP CONSTRAINT orders_status_check
        - sql:
            sql: ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped'))
  - changeSet:
      id: 004-status-no-new
      author: ops
      changes:
        - sql:
            sql: ALTER TABLE orders DROP CONSTRAINT orders_status_check
        - sql:
            sql: ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('paid', 'shipped'))
`;

describe('a CHECK swap across Liquibase changesets', () => {
  it('wider in a later changeset is not a tightening (was: constraint-tightening, as if the earlier CHECK were unknown); narrower is', async () => {
    const dir = await dirWith({ 'changelog.yaml': CHANGELOG });
    const { files } = await classifyFiles([`${dir}/changelog.yaml`], { migrator: 'liquibase' });
    const rules = (pattern: RegExp) => files[0]!.statements.filter((s) => pattern.test(s.sql)).flatMap((s) => s.findings.map((f) => f.rule));
    expect(rules(/'new', 'paid', 'shipped'/)).not.toContain('constraint-tightening');
    expect(rules(/IN \('paid', 'shipped'\)/)).toContain('constraint-tightening');
    expect(rules(/IN \('new', 'paid'\)\)/)).toContain('constraint-tightening');
  });
});
