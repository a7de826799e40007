/**
 * golang-migrate through the built CLI against a real cluster: a project
 * golang-migrate has been migrating adopts dbrollback without its table
 * changing shape (after `dbrollback migrate` the one row holds the new
 * version, clean — what golang-migrate's own Version() would read); a dirty
 * database is refused naming the version and `migrate force`; a failed
 * migration is left dirty as golang-migrate leaves it; files pair by version
 * (unpadded, a down named differently, an up without a down, a Unix-time
 * version); golang-migrate's lock as the library computes it is honoured.
 *
 * golang-migrate itself (Go) is not installable here: its writes are
 * reproduced below by hand, exactly as its postgres driver makes them
 * (v4.18: CREATE TABLE ... (version bigint not null primary key, dirty
 * boolean not null); TRUNCATE + INSERT).
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/connection.js';
import { advisoryLockId } from '../../../src/tools/golang-migrate/lock.js';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES } from './support.js';

const SHOP = path.join(FIXTURES, 'golang-migrate', 'shop', 'migrations');
const PATTERNS = path.join(FIXTURES, 'golang-migrate', 'patterns');

interface ErrorJson {
  error: { code: string; message: string; hint: string };
}

describe('golang-migrate (built CLI, real database)', () => {
  let cluster: Cluster;
  let storage: string;
  beforeAll(async () => {
    cluster = await startCluster();
    storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-golang-migrate-'));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const cli = (database: string, ...args: string[]) => runBuiltCli([...args, '--database-url', cluster.url(database), '--storage', storage, '--json']);
  const table = (database: string) => cluster.sql<{ version: string; dirty: boolean }>(database, 'SELECT version::text, dirty FROM public.schema_migrations');

  /** A copy of SHOP with one more migration, `NAME.up.sql` (and `NAME.down.sql` when given); returns its folder. */
  async function shopWith(name: string, up: string, down?: string): Promise<string> {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), `dbrollback-golang-migrate-${name}-`)), 'migrations');
    await cp(SHOP, dir, { recursive: true });
    await writeFile(path.join(dir, `${name}.up.sql`), up);
    if (down !== undefined) await writeFile(path.join(dir, `${name}.down.sql`), down);
    return dir;
  }

  /** What `migrate -path SHOP up 2` leaves: the first two files run, the table as its postgres driver writes it. */
  async function migratedByGolangMigrate(database: string, upTo: number): Promise<void> {
    await cluster.sql(database, 'CREATE TABLE IF NOT EXISTS "public"."schema_migrations" (version bigint not null primary key, dirty boolean not null)');
    const files = ['001_create-tables.up.sql', '002_add-customer-phone.up.sql', '003_index-orders-customer.up.sql'].slice(0, upTo);
    for (const [i, file] of files.entries()) {
      await cluster.sql(database, `TRUNCATE "public"."schema_migrations"; INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (${i + 1}, true)`);
      await cluster.sql(database, await readFile(path.join(SHOP, file), 'utf8'));
      await cluster.sql(database, `TRUNCATE "public"."schema_migrations"; INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (${i + 1}, false)`);
    }
  }

  it('a fresh database and files both golang-migrate and the plain SQL format read: refused (exit 2) naming both, nothing created', async () => {
    const { database } = await cluster.createDatabase();
    const status = await cli(database, 'status', '--migrations', SHOP);
    expect(status.exitCode).toBe(2);
    const { error } = status.json<ErrorJson>();
    expect(error.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(error.message).toContain('golang-migrate (');
    expect(error.message).toContain('sql (');
    expect(error.hint).toContain('--migrator golang-migrate');
    expect(await cluster.sql(database, "SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).toEqual([]);
  });

  it('a golang-migrate project adopts dbrollback: detected from schema_migrations (version, dirty); after migrate the one row is the new version, clean', async () => {
    const { database } = await cluster.createDatabase();
    await migratedByGolangMigrate(database, 2);

    const status = await cli(database, 'status', '--migrations', SHOP);
    expect(status.exitCode, status.stderr).toBe(0);
    const doc = status.json<{ migrator: string; head: string; pending: string[]; migrations: Array<{ name: string; applied: boolean }> }>();
    expect(doc.migrator).toBe('golang-migrate');
    expect(doc.head).toBe('002_add-customer-phone');
    expect(doc.migrations.filter((m) => m.applied).map((m) => m.name)).toEqual(['001_create-tables', '002_add-customer-phone']);

    const migrate = await cli(database, 'migrate', '--count', '2', '--migrations', SHOP, '--backup', 'never');
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(migrate.json<{ headAfter: string }>().headAfter).toBe('004_rename-order-note');
    // What golang-migrate's Version() reads (SELECT version, dirty ... LIMIT 1): 4, clean — and nothing else in the table.
    expect(await table(database)).toEqual([{ version: '4', dirty: false }]);
    const columns = await cluster.sql<{ column_name: string; data_type: string; is_nullable: string }>(
      database,
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'schema_migrations' ORDER BY ordinal_position",
    );
    expect(columns).toEqual([
      { column_name: 'version', data_type: 'bigint', is_nullable: 'NO' },
      { column_name: 'dirty', data_type: 'boolean', is_nullable: 'NO' },
    ]);
    // dbrollback kept no history of its own beside it.
    expect(await cluster.sql(database, "SELECT to_regclass('public.dbrollback_migrations') AS t")).toEqual([{ t: null }]);
    expect((await cluster.sql<{ c: string }>(database, "SELECT count(*)::text AS c FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'customer_note'"))[0]!.c).toBe('1');

    // undo --count 1: the down runs, and the row goes back to 3, clean.
    const undo = await cli(database, 'undo', '--count', '1', '--yes', '--migrations', SHOP, '--no-backup');
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(await table(database)).toEqual([{ version: '3', dirty: false }]);
  });

  it('a dirty database is refused (exit 2) by plan, migrate and undo alike, naming the version and golang-migrate\'s force; nothing changes', async () => {
    const { database } = await cluster.createDatabase();
    await migratedByGolangMigrate(database, 3);
    await cluster.sql(database, 'UPDATE public.schema_migrations SET dirty = true');
    const messages = new Set<string>();
    for (const args of [['plan', '--count', '1'], ['migrate', '--count', '1', '--backup', 'never'], ['undo', '--count', '1', '--yes', '--no-backup']]) {
      const run = await cli(database, ...args, '--migrations', SHOP);
      expect(run.exitCode, run.stderr).toBe(2);
      const { error } = run.json<ErrorJson>();
      expect(error.code).toBe('MIGRATION_DIRTY');
      expect(error.message).toContain('dirty at version 3');
      expect(error.hint).toContain(`migrate -path ${SHOP} -database "$DATABASE_URL" force 3`);
      messages.add(error.message);
    }
    // One refusal, word for word, whichever command met it.
    expect(messages.size).toBe(1);
    expect(await table(database)).toEqual([{ version: '3', dirty: true }]);
    const status = await cli(database, 'status', '--migrations', SHOP);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.json<{ warnings: string[] }>().warnings.join(' ')).toContain('dirty at version 3');
    // verify: do not return traffic — the application's own m.Up() at startup stops on ErrDirty too. With the project and without it.
    for (const project of [['--migrations', SHOP], []]) {
      const verify = await cli(database, 'verify', ...project);
      expect(verify.exitCode, verify.stdout).toBe(3);
      const head = verify.json<{ checks: Array<{ id: string; status: string; detail: string }> }>().checks.find((c) => c.id === 'schema-head')!;
      expect(head.status).toBe('fail');
      expect(head.detail).toMatch(/^the migration history is blocked: public\.schema_migrations.* dirty at version 3/);
    }
  });

  it('a failing migration is left dirty, as golang-migrate leaves it; the error says the database is at the version before and which force marks it', async () => {
    const dir = await shopWith('008_broken', 'ALTER TABLE orders ADD COLUMN broken_at timestamptz;\nSELECT 1 / 0;\n');
    const { database } = await cluster.createDatabase();
    await migratedByGolangMigrate(database, 3);
    const migrate = await cli(database, 'migrate', '--migrations', dir, '--backup', 'never');
    expect(migrate.exitCode).toBe(1);
    const { error } = migrate.json<ErrorJson>();
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('applying 008_broken failed: division by zero');
    expect(error.message).toContain('the database is at version 7');
    expect(error.message).toContain(`migrate -path ${dir} -database "$DATABASE_URL" force 7`);
    expect(await table(database)).toEqual([{ version: '8', dirty: true }]);
    // One implicit transaction: the ALTER before the failure did not stay.
    expect(await cluster.sql(database, "SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'broken_at'")).toEqual([]);
  });

  it('a lone CREATE UNIQUE INDEX CONCURRENTLY that fails is not called rolled back: the INVALID index it left is named, with the DROP and the force to run, and PostgreSQL\'s detail is printed', async () => {
    const dir = await shopWith('008_unique_status', 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_status_key ON orders (status);\n', 'DROP INDEX CONCURRENTLY IF EXISTS orders_status_key;\n');
    const { database } = await cluster.createDatabase();
    await migratedByGolangMigrate(database, 3);
    await cluster.sql(database, "INSERT INTO customers (email, name) VALUES ('dup@example.com', 'Dup'); INSERT INTO orders (customer_id, status) SELECT id, 'same' FROM customers, generate_series(1, 2)");
    const migrate = await runBuiltCli(['migrate', '--migrations', dir, '--backup', 'never', '--database-url', cluster.url(database), '--storage', storage]);
    expect(migrate.exitCode).toBe(1);
    expect(migrate.stderr).not.toContain('which was rolled back');
    expect(migrate.stderr).toContain('The database now holds an INVALID index: public.orders_status_key');
    expect(migrate.stderr).toContain('detail: Key (status)=(same) is duplicated.');
    expect(migrate.stderr).toContain(`hint: Fix the cause, run \`DROP INDEX CONCURRENTLY public.orders_status_key;\`, then mark the version before it: \`migrate -path ${dir} -database "$DATABASE_URL" force 7\``);
    // The hint does not send the reader to `dbrollback migrate` while the table is dirty (it would be refused).
    expect(migrate.stderr).not.toContain('run `dbrollback migrate` again');
    expect(await table(database)).toEqual([{ version: '8', dirty: true }]);
  });

  it('golang-migrate\'s and dbmate\'s schema_migrations are not read as each other\'s: a dbmate folder on a golang-migrate database, or --migrator golang-migrate on a dbmate one, is refused (exit 2) naming the table\'s tool; nothing changes', async () => {
    const { database } = await cluster.createDatabase();
    await migratedByGolangMigrate(database, 2);
    const dbmateFolder = path.join(FIXTURES, 'journey', 'helpdesk', 'db', 'migrations');
    for (const args of [['status'], ['migrate', '--backup', 'never']]) {
      const run = await cli(database, ...args, '--migrations', dbmateFolder);
      expect(run.exitCode, run.stderr).toBe(2);
      const { error } = run.json<ErrorJson>();
      expect(error.code).toBe('MIGRATIONS_INVALID');
      expect(error.message).toContain("public.schema_migrations has a dirty column: it is golang-migrate's history");
      expect(error.hint).toContain("naming this database's golang-migrate migrations");
    }
    expect(await table(database)).toEqual([{ version: '2', dirty: false }]);
    expect(await cluster.sql(database, "SELECT 1 FROM pg_tables WHERE tablename = 'accounts'")).toEqual([]);

    const { database: dbmateDb } = await cluster.createDatabase();
    await cluster.sql(dbmateDb, "CREATE TABLE schema_migrations (version varchar PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20250103091500')");
    const status = await cli(dbmateDb, 'status', '--migrations', SHOP, '--migrator', 'golang-migrate');
    expect(status.exitCode, status.stderr).toBe(2);
    expect(status.json<ErrorJson>().error.message).toContain('public.schema_migrations has no dirty column: it is not golang-migrate\'s history');
  });

  it('--migrations naming the folder above the migrations (shop for shop/migrations) is refused (exit 2) naming the folder to pass, not listed as one applied version "whose file is missing"', async () => {
    const { database } = await cluster.createDatabase();
    await migratedByGolangMigrate(database, 2);
    for (const args of [['status'], ['plan', '--count', '1']]) {
      const run = await cli(database, ...args, '--migrations', path.dirname(SHOP), '--migrator', 'golang-migrate');
      expect(run.exitCode, run.stderr).toBe(2);
      const { error } = run.json<ErrorJson>();
      expect(error.code).toBe('MIGRATIONS_INVALID');
      expect(error.message).toContain('the database is at golang-migrate version 2');
      expect(error.hint).toContain(`pass --migrations ${SHOP} (golang-migrate's -path)`);
    }
  });

  it('CREATE INDEX CONCURRENTLY beside another statement in one file: classify says it will fail (one Exec is one implicit transaction block); migrate\'s failure says all of it rolled back and names force of the version before, not the dirty one', async () => {
    const dir = await shopWith('008_order_notes', 'ALTER TABLE orders ADD COLUMN internal_note text;\nCREATE INDEX CONCURRENTLY orders_internal_note_idx ON orders (internal_note);\n', 'DROP INDEX IF EXISTS orders_internal_note_idx;\nALTER TABLE orders DROP COLUMN internal_note;\n');
    const classify = await runBuiltCli(['classify', path.join(dir, '008_order_notes.up.sql'), '--migrator', 'golang-migrate', '--json']);
    const rules = classify.json<{ files: Array<{ statements: Array<{ findings: Array<{ rule: string }> }> }> }>().files[0]!.statements.flatMap((st) => st.findings.map((f) => f.rule));
    expect(rules).toContain('concurrently-in-transaction');
    // Alone in its file it runs outside any transaction: no finding.
    const alone = await runBuiltCli(['classify', path.join(SHOP, '003_index-orders-customer.up.sql'), '--migrator', 'golang-migrate', '--json']);
    expect(alone.stdout).not.toContain('concurrently-in-transaction');
    // The file runs as one (implicit) transaction block, where the index build fails: not "not transactional"; alone, it is.
    expect(classify.json<{ files: Array<{ transactional: boolean }> }>().files[0]!.transactional).toBe(true);
    const text = await runBuiltCli(['classify', path.join(dir, '008_order_notes.up.sql'), path.join(SHOP, '003_index-orders-customer.up.sql'), '--migrator', 'golang-migrate']);
    expect(text.stdout).toMatch(/008_order_notes\.up\.sql: [^\n]*lock ACCESS EXCLUSIVE\n/);
    expect(text.stdout).not.toMatch(/008_order_notes\.up\.sql: [^\n]*not transactional/);
    expect(text.stdout).toMatch(/003_index-orders-customer\.up\.sql: [^\n]*\(not transactional\)/);

    const { database } = await cluster.createDatabase();
    await migratedByGolangMigrate(database, 3);
    await cli(database, 'migrate', '--migrations', SHOP, '--backup', 'never');
    const migrate = await cli(database, 'migrate', '--migrations', dir, '--backup', 'never');
    expect(migrate.exitCode).toBe(1);
    const { error } = migrate.json<ErrorJson>();
    expect(error.message).toContain('CREATE INDEX CONCURRENTLY cannot run inside a transaction block');
    expect(error.message).toContain('which was rolled back, so the database is at version 7');
    expect(error.hint).toContain(`migrate -path ${dir} -database "$DATABASE_URL" force 7\``);
    expect(error.hint).not.toContain('force 8');
    expect(await cluster.sql(database, "SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'internal_note'")).toEqual([]);
    expect(await table(database)).toEqual([{ version: '8', dirty: true }]);
  });

  it('pairs files by version: unpadded numbers in numeric order, a down named differently, an up without a down, a Unix-time version (detected by the files alone)', async () => {
    const { database } = await cluster.createDatabase();
    const status = await cli(database, 'status', '--migrations', PATTERNS);
    expect(status.exitCode, status.stderr).toBe(0);
    const doc = status.json<{ migrator: string; migrations: Array<{ name: string; down: string }> }>();
    expect(doc.migrator).toBe('golang-migrate');
    expect(doc.migrations.map((m) => [m.name, m.down])).toEqual([
      ['1_create_accounts', 'yes'],
      ['2_add_accounts_email_index', 'yes'],
      ['10_create_invoices', 'yes'],
      ['100_backfill_invoice_totals', 'missing'],
      ['101_rename_invoice_status', 'yes'],
      ['1700000000_add_invoice_note', 'yes'],
    ]);
    const migrate = await cli(database, 'migrate', '--migrations', PATTERNS, '--backup', 'never');
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(await table(database)).toEqual([{ version: '1700000000', dirty: false }]);

    // --to takes golang-migrate's version number as well as the name.
    const undo = await cli(database, 'undo', '--to', '101', '--yes', '--migrations', PATTERNS, '--no-backup');
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(undo.json<{ undone: string[] }>().undone).toEqual(['1700000000_add_invoice_note']);
    expect(await table(database)).toEqual([{ version: '101', dirty: false }]);
    // The down with its own BEGIN/COMMIT ran whole.
    const back = await cli(database, 'undo', '--count', '1', '--yes', '--migrations', PATTERNS, '--no-backup');
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await table(database)).toEqual([{ version: '100', dirty: false }]);
    expect(await cluster.sql(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'invoices' AND column_name IN ('status', 'state')")).toEqual([{ column_name: 'status' }]);
    // Version 100 has no down: refused before anything runs (golang-migrate would move the version back running nothing).
    const refused = await cli(database, 'undo', '--count', '1', '--yes', '--migrations', PATTERNS, '--no-backup');
    expect(refused.exitCode).toBe(4);
    expect(refused.json<ErrorJson>().error.message).toContain('100_backfill_invoice_totals has no down migration');
    expect(await table(database)).toEqual([{ version: '100', dirty: false }]);
  });

  it('classify without --migrator reads a folder paired only by version as golang-migrate\'s, and says why', async () => {
    const classify = await runBuiltCli(['classify', PATTERNS, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    const doc = classify.json<{ readAs: Array<{ path: string; migrator: string; reason: string }>; files: Array<{ path: string; kind: string; down: { kind: string; path: string | null } | null }> }>();
    expect(doc.readAs).toEqual([{ path: PATTERNS, migrator: 'golang-migrate', reason: expect.stringContaining('paired by version (2_drop_accounts_email_index.down.sql)') }]);
    expect(doc.files.every((f) => f.kind === 'golang-migrate')).toBe(true);
    const two = doc.files.find((f) => path.basename(f.path) === '2_add_accounts_email_index.up.sql')!;
    // Its down is the one of its version, not "missing" as pairing by name would say.
    expect(two.down).toMatchObject({ kind: 'yes', path: path.join(PATTERNS, '2_drop_accounts_email_index.down.sql') });
    expect(doc.files.find((f) => path.basename(f.path) === '100_backfill_invoice_totals.up.sql')!.down?.kind).toBe('missing');
    // The human report says it too.
    const human = await runBuiltCli(['classify', PATTERNS]);
    expect(human.stdout).toContain('read as golang-migrate');
  });

  it('classify without --migrator: a folder both pairings read alike is read once (as sql, saying both agree); one they read differently is refused naming both', async () => {
    const same = await runBuiltCli(['classify', SHOP, '--json']);
    expect(same.exitCode, same.stderr).toBe(0);
    const doc = same.json<{ readAs: Array<{ migrator: string; reason: string }>; files: Array<{ kind: string; down: { kind: string } | null }> }>();
    expect(doc.readAs).toEqual([{ path: SHOP, migrator: 'sql', reason: expect.stringContaining('sql and golang-migrate read it alike') }]);
    expect(doc.files.map((f) => f.down?.kind)).toEqual(['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'missing']);

    // Two ups of version 3: the plain format reads the second with no down; golang-migrate (by version) would pair it with 003's down.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-golang-migrate-twice-'));
    await cp(SHOP, dir, { recursive: true });
    await writeFile(path.join(dir, '003_index-orders-status.up.sql'), 'CREATE INDEX orders_status_idx ON orders (status);\n');
    const refused = await runBuiltCli(['classify', dir, '--json']);
    expect(refused.exitCode).toBe(2);
    const { error } = refused.json<ErrorJson>();
    expect(error.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(error.message).toContain('003_index-orders-status.up.sql differently');
    expect(error.message).toContain('golang-migrate: down 003_index-orders-customer.down.sql');
    expect(error.hint).toContain('--migrator sql or --migrator golang-migrate');
    // status, without a database to ask, refuses the same folder the same way.
    const { database } = await cluster.createDatabase();
    const status = await cli(database, 'status', '--migrations', dir);
    expect(status.exitCode).toBe(2);
    expect(status.json<ErrorJson>().error.code).toBe('MIGRATOR_AMBIGUOUS');
  });

  it('honours the lock golang-migrate takes as a library (current_database(), no slash): migrate refused (LOCK_HELD) naming it', async () => {
    const { database } = await cluster.createDatabase();
    await migratedByGolangMigrate(database, 1);
    const holder = await connect(cluster.conn(database));
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockId(database, 'public', 'schema_migrations').toString()]);
      const migrate = await cli(database, 'migrate', '--count', '1', '--migrations', SHOP, '--backup', 'never');
      expect(migrate.exitCode).toBe(1);
      const { error } = migrate.json<ErrorJson>();
      expect(error.code).toBe('LOCK_HELD');
      expect(error.message).toContain('golang-migrate');
    } finally {
      await holder.end();
    }
    expect(await table(database)).toEqual([{ version: '1', dirty: false }]);
  });
});
