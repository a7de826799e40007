/**
 * A down that re-adds a constraint the rows written since its migration
 * violate (a CHECK narrowed back while `'shipped'` orders exist, NOT NULL back
 * on a column now holding NULLs, a UNIQUE back over duplicated codes, a partial
 * or expression unique index, a FOREIGN KEY to the primary key) would be
 * stopped by PostgreSQL partway. plan asks the live database first and names
 * the rows; undo refuses before anything (DOWN_WOULD_FAIL, exit 4), its dry
 * run says the same; a down that fixes the rows itself first is not blocked;
 * once the rows are corrected the undo runs. Real cluster, the sql tool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapter, plan, resolveConfig, undo, type ResolvedConfig } from '../../../src/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { runOf } from '../../harness/runs.js';
import pg from 'pg';
import { blockerProbes, measureBlockers, RunSoFar } from '../../../src/migrate/plan/row-blockers.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';
import { runBuiltCli } from '../../harness/cli.js';
import { catalogFingerprint } from './support.js';

let cluster: Cluster;
beforeAll(async () => {
  await initParser();
  cluster = await startCluster();
});
afterAll(async () => {
  await removeTempDirs();
  await cluster?.stop();
});

const MIGRATIONS = {
  '001_orders.up.sql': "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL CHECK (status IN ('new', 'paid')), email text NOT NULL, code text CONSTRAINT orders_code_key UNIQUE, total numeric);\n",
  '001_orders.down.sql': 'DROP TABLE orders;\n',
  '002_status-shipped.up.sql': "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped'));\n",
  '002_status-shipped.down.sql': "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid'));\n",
  '003_email-optional.up.sql': 'ALTER TABLE orders ALTER COLUMN email DROP NOT NULL;\n',
  '003_email-optional.down.sql': 'ALTER TABLE orders ALTER COLUMN email SET NOT NULL;\n',
  '004_code-not-unique.up.sql': 'ALTER TABLE orders DROP CONSTRAINT orders_code_key;\n',
  '004_code-not-unique.down.sql': 'ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);\n',
};

describe('a column added back NOT NULL without a default', () => {
  it('is found on a table with rows (the restore plan of a dropped column still says so), not on an empty one; one with a default or serial is not probed', async () => {
    const files = {
      '001_t.up.sql': 'CREATE TABLE t (id int PRIMARY KEY, legacy text NOT NULL, kept text);\nCREATE TABLE e (id int, legacy text NOT NULL);\n',
      '001_t.down.sql': 'DROP TABLE e;\nDROP TABLE t;\n',
      '002_drop-legacy.up.sql': 'ALTER TABLE t DROP COLUMN legacy;\nALTER TABLE e DROP COLUMN legacy;\nALTER TABLE t DROP COLUMN kept;\n',
      '002_drop-legacy.down.sql': "ALTER TABLE t ADD COLUMN legacy text NOT NULL;\nALTER TABLE e ADD COLUMN legacy text NOT NULL;\nALTER TABLE t ADD COLUMN kept text NOT NULL DEFAULT '', ADD COLUMN n bigserial NOT NULL;\n",
    };
    const { config, database, up } = await sqlProject(files);
    await up();
    await cluster.sql(database, 'INSERT INTO t VALUES (1), (2)');
    const result = await plan(runOf(config), { target: { count: 1 } });
    expect(result.migrations[0]!.blockers!.map((b) => [b.table, b.what, b.violations])).toEqual([
      ['public.t', 'column legacy NOT NULL without a default', 2],
      ['public.e', 'column legacy NOT NULL without a default', 0],
    ]);
    // Dropping the columns destroyed their data: the plan is a restore anyway, and still says the down could not run.
    expect(result.type).toBe('restore');
  });
});

/** A database of its own for `files` (the sql tool), with file storage; `up` applies N of them (all by default). */
async function sqlProject(files: Record<string, string>): Promise<{ config: ResolvedConfig; database: string; args: string[]; up(count?: number): Promise<void> }> {
  const dir = await dirWith(files);
  const storage = await dirWith({}, 'dbrollback-storage-');
  const db = await cluster.createDatabase();
  const config = await resolveConfig({ migrations: dir, migrator: 'sql', databaseUrl: cluster.url(db.database), storage, yes: true }, { env: {} });
  const up = async (count?: number): Promise<void> => {
    const adapter = await openAdapter(config);
    await adapter.up(count);
    await adapter.close();
  };
  return { config, database: db.database, args: ['--migrations', dir, '--migrator', 'sql', '--database-url', cluster.url(db.database), '--storage', storage], up };
}

/** The shop's orders at its head, with rows written since: a shipped order, one without an email, two sharing a code. */
async function project(files: Record<string, string>): Promise<{ config: ResolvedConfig; database: string; args: string[] }> {
  const p = await sqlProject(files);
  await p.up();
  await cluster.sql(p.database, "INSERT INTO orders VALUES (1, 'new', 'a@x', 'A1', 10), (2, 'shipped', 'b@x', 'B1', 20), (3, 'paid', NULL, 'C1', 30), (4, 'paid', 'd@x', 'C1', 40)");
  return p;
}

describe('downs that would fail on the rows the database holds now', () => {
  it('plan names each with its rows; undo and its dry run refuse with nothing changed; corrected rows let the undo run', async () => {
    const p = await project(MIGRATIONS);
    const three = await plan(runOf(p.config), { target: { count: 3 } });
    const blockers = Object.fromEntries(three.migrations.map((m) => [m.name, m.blockers]));
    expect(blockers['004_code-not-unique']).toEqual([expect.objectContaining({ kind: 'unique', table: 'public.orders', name: 'orders_code_key', violations: 1, examples: ["code = 'C1'"], unchecked: null })]);
    expect(blockers['003_email-optional']).toEqual([expect.objectContaining({ kind: 'not-null', columns: ['email'], violations: 1, examples: ['email = NULL'] })]);
    expect(blockers['002_status-shipped']).toEqual([expect.objectContaining({ kind: 'check', name: 'orders_status_check', columns: ['status'], violations: 1, examples: ["status = 'shipped'"] })]);
    // The query plan gives finds exactly those rows.
    const query = blockers['002_status-shipped']![0]!.query!;
    expect(await cluster.sql(p.database, query)).toEqual([{ status: 'shipped' }]);

    const before = await catalogFingerprint(cluster, p.database);
    const dry = await undo(runOf(p.config), { yes: true, target: { count: 1 }, dryRun: true });
    expect(dry.wouldRefuse?.code).toBe('DOWN_WOULD_FAIL');
    const refused = await undo(runOf(p.config), { yes: true, target: { count: 3 } });
    expect(refused.ok).toBe(false);
    expect(refused.error?.code).toBe('DOWN_WOULD_FAIL');
    expect(refused.error?.exitCode).toBe(4);
    expect(refused.error?.message).toContain("004_code-not-unique (line 1): it adds UNIQUE orders_code_key to public.orders, and 1 key value of public.orders is held by more than one row (code = 'C1')");
    expect(refused.error?.message).toContain("002_status-shipped (line 2): it adds CHECK orders_status_check to public.orders, and 1 row of public.orders violates it (status = 'shipped')");
    expect(refused.error?.hint).toContain('dbrollback restore --before-migration 002_status-shipped');
    // This storage holds no base backup: the way back named is a logical backup's, and why (was: --data-dir DIR, which
    // would be refused).
    expect(refused.error?.hint).toContain('restore to before the migration instead from a logical backup: dbrollback restore --before-migration 002_status-shipped --backup auto (no point-in-time restore can reach that moment: the storage holds no base backup to start one from)');
    expect(refused.backupId).toBeNull();
    expect(await catalogFingerprint(cluster, p.database)).toBe(before);

    // The built CLI says the same to people: plan's section with the query, undo's refusal (exit 4).
    const text = await runBuiltCli(['plan', '--count', '2', ...p.args]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('the down migrations would FAIL on rows the database holds now (undo refuses):');
    expect(text.stdout).toContain("  003_email-optional (line 1): it adds NOT NULL on email to public.orders, and 1 row of public.orders holds NULL there (email = NULL)");
    expect(text.stdout).toContain('    rows: SELECT "email" FROM "public"."orders" WHERE "email" IS NULL LIMIT 1000');
    const cli = await runBuiltCli(['undo', '--count', '1', '--yes', ...p.args]);
    expect(cli.exitCode).toBe(4);
    expect(cli.stderr).toMatch(/error: refusing to undo: the down migrations would fail on rows the database holds now/);
    expect(cli.stderr).toContain('hint: Nothing was changed.');

    await cluster.sql(p.database, "UPDATE orders SET code = 'C2' WHERE id = 4");
    const done = await undo(runOf(p.config), { yes: true, target: { count: 1 } });
    expect(done.error).toBeNull();
    expect(done.undone).toEqual(['004_code-not-unique']);
  });

  it('a FOREIGN KEY added back over orphaned rows is found; its referenced table changed first by a newer down is not checked', async () => {
    const files = {
      '001_people.up.sql': 'CREATE TABLE people (id int PRIMARY KEY);\nCREATE TABLE pets (id int PRIMARY KEY, owner int CONSTRAINT pets_owner_fkey REFERENCES people (id));\n',
      '001_people.down.sql': 'DROP TABLE pets;\nDROP TABLE people;\n',
      '002_loose-owner.up.sql': 'ALTER TABLE pets DROP CONSTRAINT pets_owner_fkey;\n',
      '002_loose-owner.down.sql': 'ALTER TABLE pets ADD CONSTRAINT pets_owner_fkey FOREIGN KEY (owner) REFERENCES people (id);\n',
      '003_people-note.up.sql': 'ALTER TABLE people ADD COLUMN note text;\n',
      '003_people-note.down.sql': 'DELETE FROM people WHERE note IS NOT NULL;\nALTER TABLE people DROP COLUMN note;\n',
    };
    const { config, database, up } = await sqlProject(files);
    await up(2);
    await cluster.sql(database, 'INSERT INTO people VALUES (1); INSERT INTO pets VALUES (10, 1), (11, 7), (12, NULL)');
    const one = await plan(runOf(config), { target: { count: 1 } });
    expect(one.migrations[0]!.blockers).toEqual([expect.objectContaining({ kind: 'foreign-key', table: 'public.pets', references: 'public.people', violations: 1, examples: ['owner = 7'] })]);
    // A newer migration whose down deletes people: the key is then checked against other rows than those there now.
    await up();
    const two = await plan(runOf(config), { target: { count: 2 } });
    expect(two.migrations[0]!.blockers).toEqual([]);
    expect(two.migrations[1]!.blockers).toEqual([expect.objectContaining({ kind: 'foreign-key', violations: null, unchecked: 'an earlier statement of the undo (003_people-note, line 1) changes public.people first' })]);
  });

  it('a FOREIGN KEY added back without referenced columns (REFERENCES people) is probed against the primary key the catalog holds, in its order', async () => {
    const files = {
      '001_people.up.sql':
        'CREATE TABLE people (id int PRIMARY KEY);\nCREATE TABLE pets (id int PRIMARY KEY, owner int CONSTRAINT pets_owner_fkey REFERENCES people);\n' +
        'CREATE TABLE regions (country text, code text, PRIMARY KEY (code, country));\nCREATE TABLE shops (id int PRIMARY KEY, country text, region text, CONSTRAINT shops_region_fkey FOREIGN KEY (region, country) REFERENCES regions);\n',
      '001_people.down.sql': 'DROP TABLE shops;\nDROP TABLE regions;\nDROP TABLE pets;\nDROP TABLE people;\n',
      '002_loose-keys.up.sql': 'ALTER TABLE pets DROP CONSTRAINT pets_owner_fkey;\nALTER TABLE shops DROP CONSTRAINT shops_region_fkey;\n',
      '002_loose-keys.down.sql': 'ALTER TABLE pets ADD CONSTRAINT pets_owner_fkey FOREIGN KEY (owner) REFERENCES people;\nALTER TABLE shops ADD CONSTRAINT shops_region_fkey FOREIGN KEY (region, country) REFERENCES regions;\n',
      '003_people-nick.up.sql': 'ALTER TABLE people ADD COLUMN nick text;\n',
      '003_people-nick.down.sql': 'ALTER TABLE people DROP COLUMN nick;\n',
    };
    const { config, database, up } = await sqlProject(files);
    await up(2);
    // regions' key is (code, country) while country comes first in the table: shop 1 is in NH, shop 2 points at no region.
    await cluster.sql(database, "INSERT INTO people VALUES (1); INSERT INTO pets VALUES (10, 1), (11, 7), (12, NULL); INSERT INTO regions VALUES ('nl', 'NH'); INSERT INTO shops VALUES (1, 'nl', 'NH'), (2, 'be', 'NH'), (3, NULL, 'NH')");
    const one = await plan(runOf(config), { target: { count: 1 } });
    expect(one.migrations[0]!.blockers).toEqual([
      expect.objectContaining({ kind: 'foreign-key', table: 'public.pets', references: 'public.people', referencedColumns: ['id'], referencesPrimaryKey: true, violations: 1, examples: ['owner = 7'], unchecked: null }),
      expect.objectContaining({ kind: 'foreign-key', table: 'public.shops', references: 'public.regions', referencedColumns: ['code', 'country'], violations: 1, examples: ["region = 'NH', country = 'be'"], unchecked: null }),
    ]);
    const refused = await undo(runOf(config), { yes: true, target: { count: 1 } });
    expect(refused.error?.code).toBe('DOWN_WOULD_FAIL');
    expect(refused.error?.message).toContain('002_loose-keys (line 1): it adds FOREIGN KEY pets_owner_fkey to public.pets, and 1 row of public.pets points at no row of the referenced table (owner = 7)');
    // A newer down changes a column of people first: which columns make its key is read only when asked, so pets is not checked.
    await up();
    const two = await plan(runOf(config), { target: { count: 2 } });
    expect(two.migrations[1]!.blockers!.map((b) => [b.table, b.violations, b.unchecked])).toEqual([
      ['public.pets', null, 'an earlier statement of the undo (003_people-nick, line 1) changes public.people first, and the key is its primary key'],
      ['public.shops', 1, null],
    ]);
    // The rows corrected, the down runs: PostgreSQL agrees with the probe.
    await cluster.sql(database, "DELETE FROM pets WHERE id = 11; UPDATE shops SET country = 'nl' WHERE id = 2");
    const done = await undo(runOf(config), { yes: true, target: { count: 2 } });
    expect(done.error).toBeNull();
    expect(done.undone).toEqual(['003_people-nick', '002_loose-keys']);
  });

  it('REFERENCES a table without a primary key, or one that is not there, is reported unchecked, saying why', async () => {
    const { database } = await cluster.createDatabase();
    await cluster.sql(database, 'CREATE TABLE tags (name text UNIQUE); CREATE TABLE notes (id int, tag text, a int, b int); CREATE TABLE pairs (a int, b int, PRIMARY KEY (a, b))');
    const stmts = parseSql('ALTER TABLE notes ADD FOREIGN KEY (tag) REFERENCES tags;\nALTER TABLE notes ADD FOREIGN KEY (tag) REFERENCES labels;\nALTER TABLE notes ADD FOREIGN KEY (a) REFERENCES pairs;\nALTER TABLE notes ADD FOREIGN KEY (a, b) REFERENCES pairs MATCH FULL;').statements;
    await cluster.sql(database, 'INSERT INTO notes VALUES (1, NULL, 1, NULL), (2, NULL, NULL, NULL)');
    const client = new pg.Client({ connectionString: cluster.url(database) });
    await client.connect();
    try {
      const blockers = await measureBlockers(client, blockerProbes(stmts, '001_notes', new RunSoFar()));
      expect(blockers.map((b) => [b.references, b.violations, b.unchecked])).toEqual([
        ['public.tags', null, 'public.tags has no primary key now (PostgreSQL refuses a FOREIGN KEY that names no referenced columns then)'],
        ['public.labels', null, 'public.labels, whose primary key it references, does not exist now'],
        ['public.pairs', null, 'the primary key of public.pairs has 2 columns and the FOREIGN KEY 1 (PostgreSQL refuses the statement itself)'],
        // MATCH FULL: a key partly NULL is refused, an all-NULL one is not.
        ['public.pairs', 1, null],
      ]);
      expect(blockers[3]!.examples).toEqual(['a = 1, b = NULL']);
    } finally {
      await client.end();
    }
  });

  it('a UNIQUE constraint with INCLUDE columns is probed on its keys alone (the included columns take no part in the uniqueness)', async () => {
    const { database } = await cluster.createDatabase();
    await cluster.sql(database, "CREATE TABLE seats (id int, row_no int, seat text, holder text); INSERT INTO seats VALUES (1, 1, 'a', 'x'), (2, 1, 'a', 'y'), (3, 2, 'a', 'x')");
    const stmts = parseSql('ALTER TABLE seats ADD CONSTRAINT seats_place_key UNIQUE (row_no, seat) INCLUDE (holder);').statements;
    const client = new pg.Client({ connectionString: cluster.url(database) });
    await client.connect();
    try {
      const blockers = await measureBlockers(client, blockerProbes(stmts, '004_seats', new RunSoFar()));
      expect(blockers.map((b) => [b.kind, b.name, b.violations, b.unchecked])).toEqual([['unique', 'seats_place_key', 1, null]]);
      expect(blockers[0]!.examples).toEqual(["row_no = 1, seat = 'a'"]);
    } finally {
      await client.end();
    }
  });

  it('a unique index added back that is partial (WHERE), on an expression (lower(email)) or NULLS NOT DISTINCT is probed over the rows it would hold; an expression plan cannot write back is unchecked', async () => {
    const indexes =
      'CREATE UNIQUE INDEX users_email_live ON users (email) WHERE deleted_at IS NULL;\n' +
      'CREATE UNIQUE INDEX users_email_lower ON users ((lower(email)), tenant);\n' +
      'CREATE UNIQUE INDEX users_code ON users (code) NULLS NOT DISTINCT;\n' +
      "CREATE UNIQUE INDEX users_code_or_dash ON users ((coalesce(code, '-')));\n" +
      'CREATE UNIQUE INDEX users_tenant_c ON users (email COLLATE "C") WHERE tenant = 2;\n';
    const files = {
      '001_users.up.sql': `CREATE TABLE users (id int PRIMARY KEY, email text, code text, deleted_at timestamptz, tenant int);\n${indexes}`,
      '001_users.down.sql': 'DROP TABLE users;\n',
      '002_loose-users.up.sql': 'DROP INDEX users_email_live, users_email_lower, users_code, users_code_or_dash, users_tenant_c;\n',
      '002_loose-users.down.sql': indexes,
    };
    const { config, database, up } = await sqlProject(files);
    await up();
    // a@x twice but one deleted: no clash for the live index, one for lower(email); B@x and b@x clash only lowered;
    // c@x twice and live: a clash for both; two NULL codes clash under NULLS NOT DISTINCT.
    await cluster.sql(
      database,
      "INSERT INTO users VALUES (1, 'a@x', 'A', NULL, 1), (2, 'a@x', 'B', '2026-01-01', 1), (3, 'B@x', NULL, NULL, 1), (4, 'b@x', NULL, NULL, 1), (5, 'c@x', 'C', NULL, 2), (6, 'c@x', 'D', NULL, 2)",
    );
    const result = await plan(runOf(config), { target: { count: 1 } });
    const blockers = result.migrations[0]!.blockers!;
    expect(blockers.map((b) => [b.what, b.columns, b.violations, [...b.examples].sort(), b.unchecked])).toEqual([
      ['UNIQUE index users_email_live', ['email', 'deleted_at'], 1, ["email = 'c@x'"], null],
      ['UNIQUE index users_email_lower', ['email', 'tenant'], 3, ["lower(email) = 'a@x', tenant = 1", "lower(email) = 'b@x', tenant = 1", "lower(email) = 'c@x', tenant = 2"], null],
      ['UNIQUE index users_code', ['code'], 1, ['code = NULL'], null],
      ['UNIQUE index users_code_or_dash', ['code'], null, [], 'its key expression has a form plan does not write back as a query'],
      ['UNIQUE index users_tenant_c', ['email', 'tenant'], 1, ["email = 'c@x'"], null],
    ]);
    expect(blockers[0]!.query).toBe('SELECT "email" FROM "public"."users" WHERE ("deleted_at" IS NULL) AND "email" IS NOT NULL GROUP BY "email" HAVING count(*) > 1 LIMIT 1000');
    const refused = await undo(runOf(config), { yes: true, target: { count: 1 } });
    expect(refused.error?.code).toBe('DOWN_WOULD_FAIL');
    expect(refused.error?.message).toContain("002_loose-users (line 2): it adds UNIQUE index users_email_lower to public.users, and 3 key values of public.users are held by more than one row");
    // The rows corrected (a@x deleted for good, distinct codes and emails), every probe answers 0 and PostgreSQL builds every index.
    await cluster.sql(database, "DELETE FROM users WHERE id = 2; UPDATE users SET code = 'X' WHERE id = 3; UPDATE users SET email = 'bb@x' WHERE id = 4; UPDATE users SET email = 'd@x' WHERE id = 6");
    const clean = await plan(runOf(config), { target: { count: 1 } });
    expect(clean.migrations[0]!.blockers!.map((b) => b.violations)).toEqual([0, 0, 0, null, 0]);
    const done = await undo(runOf(config), { yes: true, target: { count: 1 } });
    expect(done.error).toBeNull();
  });

  it('a column type changed back that values written since do not fit (a longer string, text that is no number) is found', async () => {
    const files = {
      '001_items.up.sql': 'CREATE TABLE items (id int PRIMARY KEY, name varchar(100), qty integer, note char(5));\n',
      '001_items.down.sql': 'DROP TABLE items;\n',
      '002_longer-names.up.sql': 'ALTER TABLE items ALTER COLUMN name TYPE varchar(255);\nALTER TABLE items ALTER COLUMN note TYPE text;\n',
      '002_longer-names.down.sql': 'ALTER TABLE items ALTER COLUMN note TYPE char(5);\nALTER TABLE items ALTER COLUMN name TYPE varchar(100);\n',
      '003_qty-text.up.sql': 'ALTER TABLE items ALTER COLUMN qty TYPE text;\n',
      '003_qty-text.down.sql': 'ALTER TABLE items ALTER COLUMN qty TYPE integer USING qty::integer;\n',
    };
    const { config, database, up } = await sqlProject(files);
    await up(2);
    // A note of 5 characters and trailing spaces fits char(5) (the spaces are cut); a 150-character name does not.
    await cluster.sql(database, `INSERT INTO items VALUES (1, '${'x'.repeat(150)}', 3, 'abcde   '), (2, 'short', 4, NULL)`);
    const longer = await plan(runOf(config), { target: { count: 1 } });
    // note's type change comes first but changes only note: name is still checked as it is now.
    expect(longer.migrations[0]!.blockers!.map((b) => [b.what, b.violations, b.unchecked])).toEqual([
      ['type bpchar(5) on note', 0, null],
      ['type varchar(100) on name', 1, null],
    ]);
    expect(longer.migrations[0]!.blockers![1]!.examples).toEqual([`name = '${'x'.repeat(40)}…'`]);
    await cluster.sql(database, "UPDATE items SET name = 'long no more' WHERE id = 1");

    await up();
    await cluster.sql(database, "UPDATE items SET qty = 'n/a' WHERE id = 2");
    const qty = await plan(runOf(config), { target: { count: 1 } });
    expect(qty.migrations[0]!.blockers).toEqual([expect.objectContaining({ kind: 'type', what: 'type int4 on qty', violations: 1, examples: [expect.stringContaining('invalid input syntax for type integer: "n/a"')] })]);
    const refused = await undo(runOf(config), { yes: true, target: { count: 1 } });
    expect(refused.error?.code).toBe('DOWN_WOULD_FAIL');
    expect(refused.error?.message).toContain('003_qty-text (line 1): it sets type int4 on qty in public.items, and a value there cannot be converted (PostgreSQL: invalid input syntax for type integer: "n/a")');
    // Both downs: qty's change does not touch name and note, which are checked as they are now.
    await cluster.sql(database, "UPDATE items SET qty = '5' WHERE id = 2");
    const two = await plan(runOf(config), { target: { count: 2 } });
    expect(two.migrations.flatMap((m) => m.blockers ?? []).map((b) => [b.what, b.violations])).toEqual([
      ['type int4 on qty', 0],
      ['type bpchar(5) on note', 0],
      ['type varchar(100) on name', 0],
    ]);
  });

  it('an enum value taken away by moving the column onto a new enum type the down creates first is found', async () => {
    const { config, database, up } = await sqlProject({
      '001_tickets.up.sql': "CREATE TYPE ticket_state AS ENUM ('open', 'closed');\nCREATE TABLE tickets (id int PRIMARY KEY, state ticket_state NOT NULL);\n",
      '001_tickets.down.sql': 'DROP TABLE tickets;\nDROP TYPE ticket_state;\n',
      '002_state-pending.up.sql': "ALTER TYPE ticket_state ADD VALUE 'pending';\n",
      '002_state-pending.down.sql':
        "CREATE TYPE ticket_state_old AS ENUM ('open', 'closed');\nALTER TABLE tickets ALTER COLUMN state TYPE ticket_state_old USING state::text::ticket_state_old;\nDROP TYPE ticket_state;\nALTER TYPE ticket_state_old RENAME TO ticket_state;\n",
    });
    await up();
    await cluster.sql(database, "INSERT INTO tickets VALUES (1, 'open'), (2, 'pending'), (3, 'pending')");
    const result = await plan(runOf(config), { target: { count: 1 } });
    expect(result.migrations[0]!.blockers).toEqual([
      expect.objectContaining({ kind: 'type', what: 'type ticket_state_old on state', violations: 2, examples: ["state = 'pending'", "state = 'pending'"] }),
    ]);
    const refused = await undo(runOf(config), { yes: true, target: { count: 1 } });
    expect(refused.error?.message).toContain('002_state-pending (line 2): it sets type ticket_state_old on state in public.tickets, and 2 rows of public.tickets hold a value the new type does not have');
    await cluster.sql(database, "UPDATE tickets SET state = 'open' WHERE state = 'pending'");
    expect((await plan(runOf(config), { target: { count: 1 } })).migrations[0]!.blockers).toEqual([expect.objectContaining({ violations: 0 })]);
  });

  it('a check that reads past its time is reported unchecked, saying so; the session keeps its own timeouts', async () => {
    const { database } = await cluster.createDatabase();
    await cluster.sql(database, 'CREATE TABLE slow (id int); INSERT INTO slow SELECT generate_series(1, 50)');
    const stmt = parseSql('ALTER TABLE slow ADD CONSTRAINT slow_check CHECK (pg_sleep(0.01) IS NOT NULL AND id > 0);').statements;
    const client = new pg.Client({ connectionString: cluster.url(database) });
    await client.connect();
    try {
      await client.query("SET lock_timeout = '7s'; SET statement_timeout = '9s'");
      const [blocker] = await measureBlockers(client, blockerProbes(stmt, '001_slow', new RunSoFar()), 100);
      expect(blocker).toMatchObject({ kind: 'check', violations: null, unchecked: 'reading the table took longer than 0.1 s (PostgreSQL checks its rows when the statement runs)' });
      const { rows } = await client.query<{ lock: string; statement: string }>("SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement");
      expect(rows[0]).toEqual({ lock: '7s', statement: '9s' });
      // With time enough, the same check is answered.
      const [answered] = await measureBlockers(client, blockerProbes(stmt, '001_slow', new RunSoFar()), 10_000);
      expect(answered).toMatchObject({ violations: 0, unchecked: null });
    } finally {
      await client.end();
    }
  });

  it('a down that corrects the rows itself before re-adding the constraint is not blocked', async () => {
    const p = await project({
      ...MIGRATIONS,
      '002_status-shipped.down.sql': "UPDATE orders SET status = 'paid' WHERE status = 'shipped';\nALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid'));\n",
      '003_email-optional.down.sql': "UPDATE orders SET email = 'unknown@example.invalid' WHERE email IS NULL;\nALTER TABLE orders ALTER COLUMN email SET NOT NULL;\n",
      '004_code-not-unique.down.sql': "DELETE FROM orders a USING orders b WHERE a.code = b.code AND a.id > b.id;\nALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);\n",
    });
    const result = await plan(runOf(p.config), { target: { count: 3 } });
    for (const m of result.migrations) {
      for (const b of m.blockers ?? []) {
        expect(b.violations, `${m.name}: ${b.what}`).toBeNull();
        expect(b.unchecked).toMatch(/an earlier statement of the undo \(.*line \d\) changes public\.orders first/);
      }
    }
    const done = await undo(runOf(p.config), { yes: true, target: { count: 3 }, acceptDataLoss: true });
    expect(done.error).toBeNull();
    expect(done.undone).toEqual(['004_code-not-unique', '003_email-optional', '002_status-shipped']);
  });
});
