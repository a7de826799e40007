/**
 * schemaSnapshot / diffSchemas against a real PostgreSQL: each kind of change
 * a migration makes is seen (and told apart: rename vs drop+add, rewrite vs
 * in-place), and a down migration that forgets an object is caught.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffSchemas, type SchemaDiff } from '../../../src/db/schema/diff.js';
import { schemaSnapshot } from '../../../src/db/schema/snapshot.js';
import { verdictFromDiff } from '../../../src/classify/reconcile.js';
import { initParser } from '../../../src/sql/parser.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

let cluster: Cluster;
const BASE = `
  CREATE TYPE status AS ENUM ('new', 'paid');
  CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, note varchar(20), balance numeric(10,2));
  CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric(10,2), status status NOT NULL DEFAULT 'new');
  CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 100;
  CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders $$;
  CREATE ROLE reporting;
  GRANT SELECT ON orders TO reporting;
  INSERT INTO customers (email, note) VALUES ('a@x', 'hello');
  INSERT INTO orders VALUES (1, 1, 150, 'new');
`;

beforeAll(async () => {
  await initParser();
  cluster = await startCluster();
  await cluster.createDatabase('template_shop');
  await cluster.sql('template_shop', BASE);
});

afterAll(async () => {
  await cluster?.sql('postgres', 'DROP ROLE IF EXISTS reporting').catch(() => undefined);
  await cluster?.stop();
});

/** Apply `up` to a fresh copy of the base schema and diff the catalog before/after. */
async function diffOf(up: string, options: { autocommit?: boolean } = {}): Promise<SchemaDiff> {
  const conn = await cluster.createDatabase(undefined, { template: 'template_shop' });
  const client = new pg.Client({ ...conn, user: conn.user, password: conn.password });
  await client.connect();
  try {
    const before = await schemaSnapshot(client);
    if (options.autocommit) for (const stmt of up.split(';').filter((s) => s.trim())) await client.query(stmt);
    else await client.query(up);
    const after = await schemaSnapshot(client);
    return diffSchemas(before, after);
  } finally {
    await client.end();
  }
}

describe('catalog diff', () => {
  it('sees nothing when nothing changed', async () => {
    const diff = await diffOf('SELECT 1');
    expect(diff).toEqual({ identical: true, changes: [] });
  });

  it("leaves out dbrollback's own side-by-side schemas (restore --tables' dbrollback_recovered_*, --replace's dbrollback_replaced_*): an undo after a table recovery compares the application's schema only", async () => {
    const diff = await diffOf(`
      CREATE SCHEMA dbrollback_recovered_20261207t200044313z;
      CREATE TABLE dbrollback_recovered_20261207t200044313z.orders (id bigserial PRIMARY KEY, total numeric(10,2));
      CREATE SCHEMA dbrollback_replaced_20261207t200044313z;
      CREATE TYPE dbrollback_replaced_20261207t200044313z.status AS ENUM ('new');`);
    expect(diff).toEqual({ identical: true, changes: [] });
  });

  it('tells a column rename from a drop and an add, and calls it breaking', async () => {
    const diff = await diffOf('ALTER TABLE customers RENAME COLUMN note TO remark');
    expect(diff.changes).toEqual([expect.objectContaining({ kind: 'column', object: 'public.customers.note', change: 'renamed', detail: 'remark' })]);
    expect(verdictFromDiff(diff)).toMatchObject({ compatibility: 'breaking', dataLoss: 'none' });
  });

  it('tells a table rename by its oid', async () => {
    const diff = await diffOf('ALTER TABLE orders RENAME TO purchases');
    expect(diff.changes).toContainEqual(expect.objectContaining({ kind: 'table', object: 'public.orders', change: 'renamed', detail: 'public.purchases' }));
  });

  it('reports a dropped column as removed: breaking and destructive', async () => {
    const diff = await diffOf('ALTER TABLE customers DROP COLUMN note');
    expect(diff.changes).toEqual([expect.objectContaining({ kind: 'column', object: 'public.customers.note', change: 'removed' })]);
    expect(verdictFromDiff(diff)).toMatchObject({ compatibility: 'breaking', dataLoss: 'destructive', reversible: false });
  });

  it('reports a type change that rewrites the table (new relfilenode), and a binary-coercible one that does not', async () => {
    const rewrite = await diffOf('ALTER TABLE customers ALTER COLUMN balance TYPE numeric(12,3)');
    expect(rewrite.changes).toContainEqual(expect.objectContaining({ object: 'public.customers.balance', change: 'altered', detail: 'type', before: 'numeric(10,2)', after: 'numeric(12,3)' }));
    expect(rewrite.changes).toContainEqual(expect.objectContaining({ object: 'public.customers', change: 'rewritten' }));
    expect(verdictFromDiff(rewrite).rewritesTable).toBe(true);

    const widen = await diffOf('ALTER TABLE customers ALTER COLUMN note TYPE varchar(50)');
    expect(widen.changes).toEqual([expect.objectContaining({ object: 'public.customers.note', detail: 'type', before: 'character varying(20)', after: 'character varying(50)' })]);
    expect(verdictFromDiff(widen)).toMatchObject({ compatibility: 'additive', rewritesTable: false });

    const narrow = await diffOf('ALTER TABLE customers ALTER COLUMN note TYPE varchar(10)');
    expect(verdictFromDiff(narrow).compatibility).toBe('breaking');
  });

  it('follows a constraint from NOT VALID to VALIDATE through convalidated', async () => {
    const conn = await cluster.createDatabase(undefined, { template: 'template_shop' });
    const client = new pg.Client(conn);
    await client.connect();
    try {
      const s0 = await schemaSnapshot(client);
      await client.query('ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID');
      const s1 = await schemaSnapshot(client);
      await client.query('ALTER TABLE orders VALIDATE CONSTRAINT total_positive');
      const s2 = await schemaSnapshot(client);
      expect(diffSchemas(s0, s1).changes).toEqual([
        expect.objectContaining({ kind: 'constraint', object: 'public.orders.total_positive', change: 'added', after: expect.objectContaining({ validated: false }) }),
      ]);
      expect(verdictFromDiff(diffSchemas(s0, s1)).compatibility).toBe('breaking');
      expect(diffSchemas(s1, s2).changes).toEqual([
        expect.objectContaining({ kind: 'constraint', object: 'public.orders.total_positive', change: 'altered', detail: 'validated', before: false, after: true }),
      ]);
    } finally {
      await client.end();
    }
  });

  it('sees a concurrently built index, valid, and no table rewrite', async () => {
    const diff = await diffOf('CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id)', { autocommit: true });
    expect(diff.changes).toEqual([
      expect.objectContaining({ kind: 'index', object: 'public.orders.orders_customer_idx', change: 'added', after: expect.objectContaining({ valid: true, unique: false }) }),
    ]);
    expect(verdictFromDiff(diff)).toMatchObject({ compatibility: 'additive', rewritesTable: false });
  });

  it('sees an added enum value, and judges it irreversible', async () => {
    const diff = await diffOf("ALTER TYPE status ADD VALUE 'refunded'", { autocommit: true });
    expect(diff.changes).toEqual([expect.objectContaining({ kind: 'enum', object: 'public.status', change: 'altered', detail: 'values added: refunded' })]);
    expect(verdictFromDiff(diff)).toMatchObject({ compatibility: 'additive', reversible: false });
  });

  it('sees revoked privileges, removed views and functions as breaking', async () => {
    const diff = await diffOf('REVOKE SELECT ON orders FROM reporting; DROP VIEW big_orders; DROP FUNCTION order_count()');
    expect(diff.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'grant', object: 'public.orders', change: 'altered', detail: 'privileges' }),
        expect.objectContaining({ kind: 'view', object: 'public.big_orders', change: 'removed' }),
        expect.objectContaining({ kind: 'function', object: 'public.order_count()', change: 'removed' }),
      ]),
    );
    expect(verdictFromDiff(diff).compatibility).toBe('breaking');
  });

  it('catches a down migration that forgets an object: up then down is not the identity', async () => {
    const conn = await cluster.createDatabase(undefined, { template: 'template_shop' });
    const client = new pg.Client(conn);
    await client.connect();
    try {
      const before = await schemaSnapshot(client);
      await client.query('ALTER TABLE customers ADD COLUMN phone text; CREATE INDEX customers_phone_idx ON customers (phone); CREATE TABLE coupons (code text PRIMARY KEY)');
      // The down drops the column (and with it the index) but forgets the coupons table.
      await client.query('ALTER TABLE customers DROP COLUMN phone');
      const after = await schemaSnapshot(client);
      const diff = diffSchemas(before, after);
      expect(diff.identical).toBe(false);
      expect(diff.changes).toEqual([expect.objectContaining({ kind: 'table', object: 'public.coupons', change: 'added' })]);

      await client.query('DROP TABLE coupons');
      expect(diffSchemas(before, await schemaSnapshot(client)).identical).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('leaves out excluded relations (a migration tool\'s history table)', async () => {
    const conn = await cluster.createDatabase(undefined, { template: 'template_shop' });
    const client = new pg.Client(conn);
    await client.connect();
    try {
      const before = await schemaSnapshot(client, { exclude: ['pgmigrations'] });
      await client.query('CREATE TABLE pgmigrations (id serial PRIMARY KEY, name text)');
      const after = await schemaSnapshot(client, { exclude: ['pgmigrations'] });
      expect(diffSchemas(before, after).identical).toBe(true);
    } finally {
      await client.end();
    }
  });
});
