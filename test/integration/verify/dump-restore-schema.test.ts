/**
 * A schema restored from a logical backup is the schema that was dumped. PostgreSQL deparses an enum-like CHECK on a
 * varchar column (`state IN ('open', 'paid')`: Knex's enu, Rails, Django) as a cast array, and pg_restore parses that
 * text into another tree, deparsed differently — the same constraint. Compared as read, every restore --backup and
 * restore --tables made the schema "differ" from the record: a standalone verify failed (exit 3) telling the person
 * on call not to return traffic, and an undo after such a restore failed its gate after the downs ran.
 */
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundTripChanges } from '../../../src/db/schema/round-trip.js';
import { schemaSnapshot } from '../../../src/db/schema/snapshot.js';
import { findBinary } from '../../../src/pgtools/binaries.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

const SCHEMA = `
  CREATE DOMAIN short_state AS varchar(10) CHECK (VALUE IN ('a', 'b'));
  CREATE TABLE invoices (
    id bigint PRIMARY KEY,
    state varchar(255) NOT NULL DEFAULT 'open' CONSTRAINT invoices_state_check CHECK (state IN ('open', 'paid', 'it''s')),
    kind varchar(20),
    other short_state
  );
  CREATE INDEX invoices_open_idx ON invoices (id) WHERE kind IN ('card', 'wire');
  CREATE VIEW open_invoices AS SELECT id FROM invoices WHERE state IN ('open', 'paid');
`;

describe('the schema after pg_dump and pg_restore', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  it('compares equal to the schema that was dumped (enum-like varchar CHECKs, partial indexes, views, domains)', async () => {
    const source = (await cluster.createDatabase()).database;
    const target = (await cluster.createDatabase()).database;
    await cluster.sql(source, SCHEMA);
    const env = { ...process.env, PGPASSWORD: cluster.password };
    const conn = ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres'];
    const dump = await execa((await findBinary('pg_dump')).path, [...conn, '-Fc', '-d', source], { env, encoding: 'buffer' });
    await execa((await findBinary('pg_restore')).path, [...conn, '-d', target], { env, input: dump.stdout });
    const snap = async (database: string) => {
      const client = new pg.Client({ connectionString: cluster.url(database) });
      await client.connect();
      try {
        return await schemaSnapshot(client);
      } finally {
        await client.end();
      }
    };
    const before = await snap(source);
    const after = await snap(target);
    // The text does differ: what the comparison has to see through.
    expect(after.relations['public.invoices']!.constraints.invoices_state_check!.definition).not.toBe(before.relations['public.invoices']!.constraints.invoices_state_check!.definition);
    expect(roundTripChanges(before, after)).toEqual([]);
    expect(roundTripChanges(after, before)).toEqual([]);
    // A real difference is still one.
    await cluster.sql(target, "ALTER TABLE invoices DROP CONSTRAINT invoices_state_check, ADD CONSTRAINT invoices_state_check CHECK (state IN ('open', 'paid'))");
    expect(roundTripChanges(before, await snap(target))).toEqual([expect.objectContaining({ kind: 'constraint', object: 'public.invoices.invoices_state_check', change: 'altered' })]);
  });
});
