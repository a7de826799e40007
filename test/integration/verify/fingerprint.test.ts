import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/connection.js';
import { freshConnections, type ConnectionSource } from '../../../src/db/session.js';
import { libpqEnv } from '../../../src/pgtools/run.js';
import { findBinary } from '../../../src/pgtools/binaries.js';
import { fingerprint, fingerprintTable, type TableFingerprint } from '../../../src/fingerprint/fingerprint.js';
import { startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';

/** Types of every kind: settings-sensitive text forms (t method) and binary-safe ones (b method). */
const SCHEMA = `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE TABLE plain (id int PRIMARY KEY, name text, born date, seen timestamptz, flag bool, blob bytea, u uuid, code char(3));
  CREATE TABLE rich (id int PRIMARY KEY, amount numeric(12,3), ratio float8, span interval, doc jsonb, tags text[], m mood, at timestamptz, t time, day date, cash money);
  CREATE TABLE "Odd Name" ("Weird ""col""" text, n int);
  CREATE TABLE dropped (id int PRIMARY KEY, gone text, kept text);
  ALTER TABLE dropped DROP COLUMN gone;
  CREATE TABLE empty (id int);
  CREATE SCHEMA other;
  CREATE TABLE other.big (id bigint PRIMARY KEY, v text, at timestamptz);
  INSERT INTO plain SELECT i, 'name ' || i, date '2020-01-01' + i, timestamptz '2024-03-10 12:00:00+00' + i * interval '7 hours', i % 2 = 0,
                           decode(md5(i::text), 'hex'), md5(i::text)::uuid, 'c' || (i % 10) FROM generate_series(1, 300) i;
  INSERT INTO plain VALUES (1000, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  INSERT INTO rich SELECT i, i * 1.125, i / 7.0, i * interval '1 day 3 hours', jsonb_build_object('k', i, 'a', array[i, i + 1]),
                          array['x' || i, NULL], (array['sad','ok','happy'])[1 + i % 3]::mood, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute',
                          time '10:00' + i * interval '1 second', date '1999-12-31' + i, i * 1.5 FROM generate_series(1, 200) i;
  INSERT INTO "Odd Name" VALUES ('a', 1), ('b', NULL), (NULL, 3);
  INSERT INTO dropped VALUES (1, 'one'), (2, 'two');
  INSERT INTO other.big SELECT i, repeat(md5(i::text), 4), timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' FROM generate_series(1, 20000) i;
`;

describe('fingerprint', () => {
  let cluster: Cluster;
  let template: string;

  beforeAll(async () => {
    cluster = await startCluster();
    template = uniqueName('fp_tpl');
    await cluster.createDatabase(template);
    await cluster.sql(template, SCHEMA);
  });
  afterAll(async () => cluster?.stop());

  async function copy(): Promise<string> {
    const name = uniqueName('fp');
    await cluster.createDatabase(name, { template });
    return name;
  }

  async function fingerprintOf(database: string, setup?: string, options?: Parameters<typeof fingerprint>[2]): Promise<TableFingerprint[]> {
    const db = await connect(cluster.conn(database));
    try {
      if (setup) await db.query(setup);
      return await fingerprint(db, undefined, options);
    } finally {
      await db.end();
    }
  }

  it('covers every user table, sorted by code point (the same on every machine), with row counts, using type hashes where safe and text forms elsewhere', async () => {
    const fps = await fingerprintOf(template);
    expect(fps.map((f) => `${f.schema}.${f.table}`)).toEqual(['other.big', 'public.Odd Name', 'public.dropped', 'public.empty', 'public.plain', 'public.rich']);
    const byName = Object.fromEntries(fps.map((f) => [f.table, f]));
    expect(byName.plain!.rows).toBe(301);
    expect(byName.plain!.hash).toMatch(/^b:-?\d+$/);
    expect(byName.rich!.hash).toMatch(/^t:-?\d+$/);
    expect(byName.empty).toMatchObject({ rows: 0, hash: 'b:0' });
  });

  it('is stable across sessions with different DateStyle, TimeZone, IntervalStyle and float settings', async () => {
    const a = await fingerprintOf(template);
    const b = await fingerprintOf(
      template,
      "SET DateStyle = 'German, DMY'; SET TimeZone = 'Pacific/Chatham'; SET IntervalStyle = 'sql_standard'; SET extra_float_digits = 0; SET bytea_output = 'escape'; SET search_path = other, public",
    );
    expect(b).toEqual(a);
  });

  it('is stable across a pg_dump / pg_restore round trip (physical order and dropped columns gone)', async () => {
    const source = await copy();
    // Shuffle the physical order: updates move rows to new places in the heap.
    await cluster.sql(source, 'UPDATE plain SET flag = flag WHERE id % 3 = 0; UPDATE other.big SET v = v WHERE id % 5 = 0');
    await cluster.sql(source, 'VACUUM');
    const before = await fingerprintOf(source);
    const target = uniqueName('fp_restored');
    await cluster.createDatabase(target);
    const pgDump = await findBinary('pg_dump');
    const pgRestore = await findBinary('pg_restore');
    const env = { ...process.env, ...libpqEnv(cluster.conn(source)) };
    const dump = await execa(pgDump.path, ['--format=custom', '--dbname', source], { env, encoding: 'buffer' });
    await execa(pgRestore.path, ['--dbname', target, '--exit-on-error'], { env: { ...process.env, ...libpqEnv(cluster.conn(target)) }, input: dump.stdout });
    const after = await fingerprintOf(target);
    expect(after).toEqual(before);
  });

  it.each([
    ['an integer', '', 'UPDATE plain SET flag = NOT flag WHERE id = 7'],
    ['a text value', '', "UPDATE plain SET name = 'name 7 ' WHERE id = 7"],
    ['a NULL becoming a value', '', "UPDATE plain SET name = '' WHERE id = 1000"],
    ['a value becoming NULL', '', 'UPDATE plain SET u = NULL WHERE id = 8'],
    ['a timestamptz by one microsecond', '', "UPDATE plain SET seen = seen + interval '1 microsecond' WHERE id = 9"],
    ['a fixed-length char', '', "UPDATE plain SET code = 'c9' WHERE id = 10"],
    ['a numeric value', '', 'UPDATE rich SET amount = amount + 0.001 WHERE id = 5'],
    ['a float 0 into -0 (equal, printed differently)', 'UPDATE rich SET ratio = 0 WHERE id = 1', "UPDATE rich SET ratio = '-0' WHERE id = 1"],
    ['an interval into an equal one', "UPDATE rich SET span = interval '1 day' WHERE id = 1", "UPDATE rich SET span = interval '24 hours' WHERE id = 1"],
    ['a jsonb value', '', `UPDATE rich SET doc = doc || '{"k": 0}' WHERE id = 3`],
    ['an enum label', '', "UPDATE rich SET m = 'happy' WHERE id = 3"],
    ['a quoted column of a quoted table', '', `UPDATE "Odd Name" SET "Weird ""col""" = 'c' WHERE n = 1`],
  ])('differs when %s changes', async (_what, setup, change) => {
    const db = await copy();
    if (setup) await cluster.sql(db, setup);
    const before = await fingerprintOf(db);
    await cluster.sql(db, change);
    const after = await fingerprintOf(db);
    const changed = after.filter((f, i) => f.hash !== before[i]!.hash).map((f) => f.table);
    expect(changed).toHaveLength(1);
    expect(after.map((f) => f.rows)).toEqual(before.map((f) => f.rows));
  });

  it('differs when values are swapped between two rows (sums of per-row hashes are re-hashed per row)', async () => {
    const db = await copy();
    const before = await fingerprintOf(db);
    await cluster.sql(db, "UPDATE plain SET name = CASE id WHEN 1 THEN 'name 2' ELSE 'name 1' END WHERE id IN (1, 2)");
    const after = await fingerprintOf(db);
    expect(after.find((f) => f.table === 'plain')!.hash).not.toBe(before.find((f) => f.table === 'plain')!.hash);
  });

  it('gives the identical result with any number of jobs, splitting tables into block ranges', async () => {
    const db = await copy();
    const serial = await fingerprintOf(db);
    for (const jobs of [2, 3, 5]) {
      // splitBytes 0: every table is split, so range sums really are added up.
      const parallel = await fingerprintOf(db, undefined, { jobs, conn: cluster.conn(db), splitBytes: 0, parallelFromBytes: 0 });
      expect(parallel).toEqual(serial);
    }
    // By default a database this small is hashed on the caller alone; still identical.
    expect(await fingerprintOf(db, undefined, { jobs: 2, conn: cluster.conn(db) })).toEqual(serial);
  });

  it('opens worker connections only when the tables are big enough to repay them', async () => {
    const db = await copy();
    const acquired: number[] = [];
    const counting = (): ConnectionSource => {
      const fresh = freshConnections(cluster.conn(db));
      acquired.push(0);
      return { acquire: () => ((acquired[acquired.length - 1]! += 1), fresh.acquire()), release: (c) => fresh.release(c) };
    };
    const small = await fingerprintOf(db, undefined, { jobs: 3, connections: counting() });
    const forced = await fingerprintOf(db, undefined, { jobs: 3, connections: counting(), parallelFromBytes: 0 });
    expect(forced).toEqual(small);
    expect(acquired).toEqual([0, 3]);
  });

  it('hashes ranges in the caller\'s exported snapshot, ignoring later commits', async () => {
    const db = await copy();
    const expected = await fingerprintOf(db);
    const holder = await connect(cluster.conn(db));
    try {
      await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const { rows } = await holder.query<{ s: string }>('SELECT pg_export_snapshot() AS s');
      await cluster.sql(db, 'DELETE FROM other.big WHERE id <= 10');
      const seen = await fingerprint(holder, undefined, { jobs: 3, conn: cluster.conn(db), snapshot: rows[0]!.s, splitBytes: 0, parallelFromBytes: 0 });
      expect(seen).toEqual(expected);
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
  });

  it("restores the caller's session settings and works inside the caller's transaction", async () => {
    const db = await copy();
    const client = new pg.Client(cluster.conn(db));
    await client.connect();
    try {
      await client.query("SET TimeZone = 'Asia/Tokyo'; SET search_path = other, public; SET DateStyle = 'SQL, DMY'");
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const one = await fingerprintTable(client, { schema: 'other', table: 'big' });
      const all = await fingerprint(client);
      await client.query('COMMIT');
      expect(all.find((f) => f.table === 'big')).toEqual(one);
      const { rows } = await client.query<{ tz: string; sp: string; ds: string }>(
        "SELECT current_setting('TimeZone') AS tz, current_setting('search_path') AS sp, current_setting('DateStyle') AS ds",
      );
      expect(rows[0]).toEqual({ tz: 'Asia/Tokyo', sp: 'other, public', ds: 'SQL, DMY' });
    } finally {
      await client.end();
    }
  });

  it('sums block ranges of one table to the whole-table fingerprint', async () => {
    const db = await connect(cluster.conn(template));
    try {
      const whole = await fingerprintTable(db, { schema: 'other', table: 'big' });
      const a = await fingerprintTable(db, { schema: 'other', table: 'big' }, "WHERE r.ctid < '(40,0)'");
      const b = await fingerprintTable(db, { schema: 'other', table: 'big' }, "r.ctid >= '(40,0)'");
      const sum = (h: string) => BigInt(h.split(':')[1]!);
      expect(a.rows + b.rows).toBe(whole.rows);
      expect(sum(a.hash) + sum(b.hash)).toBe(sum(whole.hash));
      expect(a.rows).toBeGreaterThan(0);
      expect(b.rows).toBeGreaterThan(0);
    } finally {
      await db.end();
    }
  });
});
