/**
 * Flyway (not installable here: a Java program from a registry this machine
 * cannot reach): dbrollback keeps flyway_schema_history as Flyway 12 keeps
 * it on PostgreSQL. These tests check the table and its rows against
 * Flyway's create script and SchemaHistory.addAppliedMigration (DDL,
 * installed_rank, version text, description, type, script, checksum,
 * installed_by, success), the UNDO_SQL row of Flyway Teams' undo, the
 * refusals of Flyway's validate (a failed migration until `flyway repair`,
 * a changed checksum, a version below an applied one), Flyway's advisory
 * lock, a baselined history and its version order, and detection.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { connect } from '../../../src/db/connection.js';
import { flywayChecksum } from '../../../src/tools/flyway/checksum.js';
import { createTable, flywayLockKey } from '../../../src/tools/flyway/history.js';
import { createFlywayAdapter } from '../../../src/tools/flyway/run.js';
import { detectMigrator } from '../../../src/tools/registry.js';
import { runBuiltCli, suggested } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { copyFixture, FIXTURES, historyLookupIn, rejection } from './support.js';

const SHOP = path.join(FIXTURES, 'flyway', 'shop');
const HISTORY = path.join(FIXTURES, 'flyway', 'history');

let cluster: Cluster;
beforeAll(async () => {
  // migrate puts a restore point before each migration: wal_level replica.
  cluster = await startCluster({ settings: { wal_level: 'replica' } });
});
afterAll(async () => {
  await cluster?.stop();
  await removeTempDirs();
});

const adapterFor = (conn: ConnInfo, dir = SHOP) => createFlywayAdapter({ conn, migrationsDir: dir });

interface Row {
  installed_rank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  installed_by: string;
  execution_time: number;
  success: boolean;
}
const rows = (conn: ConnInfo) =>
  cluster.sql<Row>(conn.database, 'SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success FROM public.flyway_schema_history ORDER BY installed_rank');
const checksumOf = async (dir: string, script: string) => flywayChecksum(await readFile(path.join(dir, script), 'utf8'));
const withoutTimes = (r: Row) => ({ ...r, execution_time: typeof r.execution_time });

describe('flyway_schema_history as Flyway writes it', () => {
  it('dbrollback migrate creates the table with Flyway\'s DDL (columns, primary key, success index) and writes one row per script as Flyway does', async () => {
    const conn = await cluster.createDatabase();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-flyway-'));
    const migrate = await runBuiltCli(['migrate', '--count', '3', '--migrations', SHOP, '--database-url', cluster.url(conn.database), '--storage', storage, '--json']);
    expect(migrate.exitCode, migrate.stderr).toBe(0);

    // PostgreSQLDatabase.getRawCreateScript.
    expect(
      await cluster.sql(
        conn.database,
        "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'flyway_schema_history' ORDER BY ordinal_position",
      ),
    ).toEqual([
      { column_name: 'installed_rank', data_type: 'integer', character_maximum_length: null, is_nullable: 'NO', column_default: null },
      { column_name: 'version', data_type: 'character varying', character_maximum_length: 50, is_nullable: 'YES', column_default: null },
      { column_name: 'description', data_type: 'character varying', character_maximum_length: 200, is_nullable: 'NO', column_default: null },
      { column_name: 'type', data_type: 'character varying', character_maximum_length: 20, is_nullable: 'NO', column_default: null },
      { column_name: 'script', data_type: 'character varying', character_maximum_length: 1000, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'integer', character_maximum_length: null, is_nullable: 'YES', column_default: null },
      { column_name: 'installed_by', data_type: 'character varying', character_maximum_length: 100, is_nullable: 'NO', column_default: null },
      { column_name: 'installed_on', data_type: 'timestamp without time zone', character_maximum_length: null, is_nullable: 'NO', column_default: 'now()' },
      { column_name: 'execution_time', data_type: 'integer', character_maximum_length: null, is_nullable: 'NO', column_default: null },
      { column_name: 'success', data_type: 'boolean', character_maximum_length: null, is_nullable: 'NO', column_default: null },
    ]);
    expect(await cluster.sql(conn.database, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'flyway_schema_history' ORDER BY indexname")).toEqual([
      { indexname: 'flyway_schema_history_pk', indexdef: 'CREATE UNIQUE INDEX flyway_schema_history_pk ON public.flyway_schema_history USING btree (installed_rank)' },
      { indexname: 'flyway_schema_history_s_idx', indexdef: 'CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history USING btree (success)' },
    ]);

    const [user] = await cluster.sql<{ u: string }>(conn.database, 'SELECT current_user AS u');
    const expected = async (rank: number, version: string, description: string, script: string) => ({
      installed_rank: rank,
      version,
      description,
      type: 'SQL',
      script,
      checksum: await checksumOf(SHOP, script),
      installed_by: user!.u,
      execution_time: 'number',
      success: true,
    });
    // V3 holds CREATE INDEX CONCURRENTLY: run outside a transaction, recorded the same way.
    expect((await rows(conn)).map(withoutTimes)).toEqual([
      await expected(1, '1', 'create tables', 'V1__create_tables.sql'),
      await expected(2, '2', 'add customer phone', 'V2__add_customer_phone.sql'),
      await expected(3, '3', 'index orders customer', 'V3__index_orders_customer.sql'),
    ]);
    expect((await rows(conn)).every((r) => r.execution_time >= 0)).toBe(true);
    expect(await cluster.sql(conn.database, "SELECT indexname FROM pg_indexes WHERE indexname = 'orders_customer_id_idx'")).toHaveLength(1);
  });

  it('checksums are Flyway\'s CRC-32 over the lines: the shop\'s V1 as computed independently (zlib CRC-32 of the text without line breaks, as a signed int)', async () => {
    const text = await readFile(path.join(SHOP, 'V1__create_tables.sql'), 'utf8');
    const { crc32 } = await import('node:zlib');
    const unsigned = crc32(text.split('\n').join(''));
    expect(await checksumOf(SHOP, 'V1__create_tables.sql')).toBe(unsigned >= 2 ** 31 ? unsigned - 2 ** 32 : unsigned);
    // A CRLF file sums as its LF twin would.
    const crlf = await readFile(path.join(HISTORY, 'sub', 'V2_1__create_audit_log.sql'), 'utf8');
    expect(crlf).toContain('\r\n');
    expect(flywayChecksum(crlf)).toBe(flywayChecksum(crlf.replace(/\r\n/g, '\n')));
  });

  // The JDK's own BufferedReader and CRC32, as Flyway uses them, in a program of ours (FlywayChecksum.java): registered where a java runs it.
  if (spawnSync('java', ['-version']).status === 0) {
    it('checksums equal those of Flyway\'s loop run by a real JVM (BufferedReader.readLine + java.util.zip.CRC32) for every fixture script, and for a BOM + CRLF file', async () => {
      const files = [
        ...(await readdir(SHOP)).map((f) => path.join(SHOP, f)),
        ...(await readdir(HISTORY, { recursive: true })).filter((f) => f.endsWith('.sql')).map((f) => path.join(HISTORY, f)),
        path.join(await dirWith({ 'V9__bom.sql': '\uFEFF-- a BOM, CRLF and a last line without a break\r\nSELECT 1;\r\n\r\nSELECT \'é\';' }), 'V9__bom.sql'),
      ];
      const java = spawnSync('java', [path.join(import.meta.dirname, 'FlywayChecksum.java'), ...files], { encoding: 'utf8', timeout: 120_000 });
      expect(java.status, java.stderr).toBe(0);
      const byJava = java.stdout.trim().split('\n').map((l) => [Number(l.split(' ')[0]), l.slice(l.indexOf(' ') + 1)] as const);
      expect(byJava).toHaveLength(files.length);
      for (const [sum, file] of byJava) expect([file, flywayChecksum(await readFile(file, 'utf8'))]).toEqual([file, sum]);
    });
  }

  it('undo --count 1 runs the U script and records it as Flyway Teams does: an UNDO_SQL row with the undone version; migrate applies the version again with a new row', async () => {
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn);
    await adapter.up(4);
    const result = await adapter.down({ count: 1 });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([['V4__rename_order_note', 'success']]);
    expect(result.headAfter).toBe('V3__index_orders_customer');
    const [user] = await cluster.sql<{ u: string }>(conn.database, 'SELECT current_user AS u');
    expect((await rows(conn)).slice(4).map(withoutTimes)).toEqual([
      {
        installed_rank: 5,
        version: '4',
        description: 'rename order note',
        type: 'UNDO_SQL',
        script: 'U4__rename_order_note.sql',
        checksum: await checksumOf(SHOP, 'U4__rename_order_note.sql'),
        installed_by: user!.u,
        execution_time: 'number',
        success: true,
      },
    ]);
    expect(await cluster.sql(conn.database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND column_name IN ('note', 'customer_note')")).toEqual([{ column_name: 'note' }]);
    const status = await adapter.status();
    expect(status.head).toBe('V3__index_orders_customer');
    expect(status.pending.map((m) => m.name)).toEqual(['V4__rename_order_note', 'V5__drop_customer_legacy_code', 'V6__backfill_product_sku', 'V7__collapse_order_statuses', 'R__shop_views']);

    expect(await adapter.up(1)).toEqual(['V4__rename_order_note']);
    expect((await rows(conn)).slice(5).map((r) => [r.installed_rank, r.version, r.type, r.script])).toEqual([[6, '4', 'SQL', 'V4__rename_order_note.sql']]);
    expect((await adapter.status()).head).toBe('V4__rename_order_note');
  });

  it('a version without a U script is refused before anything runs (IRREVERSIBLE), and the repeatable has no undo either', async () => {
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn);
    await adapter.up();
    const status = await adapter.status();
    expect(status.applied.map((m) => [m.name, m.down])).toEqual([
      ['V1__create_tables', 'yes'],
      ['V2__add_customer_phone', 'yes'],
      ['V3__index_orders_customer', 'yes'],
      ['V4__rename_order_note', 'yes'],
      ['V5__drop_customer_legacy_code', 'yes'],
      ['V6__backfill_product_sku', 'yes'],
      ['V7__collapse_order_statuses', 'missing'],
      ['R__shop_views', 'missing'],
    ]);
    const before = await rows(conn);
    expect(before.at(-1)).toMatchObject({ installed_rank: 8, version: null, description: 'shop views', type: 'SQL', script: 'R__shop_views.sql' });
    const err = await rejection(adapter.down({ to: 'V6__backfill_product_sku' }));
    expect(err.code).toBe('IRREVERSIBLE');
    expect(err.message).toContain('no U7__ undo script');
    // The repeatable applied after V7 stays applied, as Flyway's undo leaves it: it is not what blocks the undo.
    expect(err.message).not.toContain('R__shop_views');
    expect(await rows(conn)).toEqual(before);
  });

  it('a failed migration outside a transaction is recorded as Flyway records it (success = false); then migrate and undo are refused (exit 2) naming flyway repair, until the row is gone', async () => {
    const { dir, cleanup } = await copyFixture('flyway/shop');
    try {
      await writeFile(path.join(dir, 'V3__index_orders_customer.sql'), 'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (no_such_column);\n');
      const conn = await cluster.createDatabase();
      const adapter = adapterFor(conn, dir);
      await adapter.up(2);
      const failed = await rejection(adapter.up(1));
      expect(failed.code).toBe('MIGRATION_FAILED');
      expect(failed.message).toContain('records it as failed');
      expect(failed.hint).toContain('flyway repair');
      expect((await rows(conn)).at(-1)).toMatchObject({ installed_rank: 3, version: '3', type: 'SQL', script: 'V3__index_orders_customer.sql', success: false, checksum: await checksumOf(dir, 'V3__index_orders_customer.sql') });

      const status = await adapter.status();
      expect(status.head).toBe('V2__add_customer_phone');
      expect(status.warnings?.[0]).toContain('is recorded as failed');
      const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-flyway-'));
      for (const args of [['migrate'], ['undo', '--count', '1', '--yes']]) {
        const run = await runBuiltCli([...args, '--migrations', dir, '--database-url', cluster.url(conn.database), '--storage', storage, '--json']);
        expect(run.exitCode, `${args.join(' ')}: ${run.stdout}`).toBe(2);
        const error = run.json<{ error: { code: string; message: string; hint: string } }>().error;
        expect(error.code).toBe('MIGRATIONS_INVALID');
        expect(error.message).toContain('version 3');
        expect(error.hint).toContain('flyway repair');
      }
      expect(await rows(conn)).toHaveLength(3);

      // What `flyway repair` does: the failed row goes; with the script fixed, migrate goes on.
      await cluster.sql(conn.database, 'DELETE FROM public.flyway_schema_history WHERE success = FALSE');
      await writeFile(path.join(dir, 'V3__index_orders_customer.sql'), await readFile(path.join(SHOP, 'V3__index_orders_customer.sql')));
      expect(await adapter.up(1)).toEqual(['V3__index_orders_customer']);
    } finally {
      await cleanup();
    }
  });

  it('a failed migration inside a transaction leaves nothing: rolled back, no row, as Flyway on PostgreSQL', async () => {
    const { dir, cleanup } = await copyFixture('flyway/shop');
    try {
      await writeFile(path.join(dir, 'V2__add_customer_phone.sql'), 'ALTER TABLE customers ADD COLUMN phone text;\nALTER TABLE no_such_table ADD COLUMN x int;\n');
      const conn = await cluster.createDatabase();
      const adapter = adapterFor(conn, dir);
      await adapter.up(1);
      const err = await rejection(adapter.up(1));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('rolled back and nothing was recorded');
      expect((await rows(conn)).map((r) => r.version)).toEqual(['1']);
      expect(await cluster.sql(conn.database, "SELECT 1 FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'phone'")).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('Flyway\'s validate: a changed applied script (checksum mismatch) and a new version below an applied one are refused before anything runs', async () => {
    const { dir, cleanup } = await copyFixture('flyway/shop');
    try {
      const conn = await cluster.createDatabase();
      const adapter = adapterFor(conn, dir);
      await adapter.up(2);
      await writeFile(path.join(dir, 'V2__add_customer_phone.sql'), 'ALTER TABLE customers ADD COLUMN phone varchar(20);\n');
      const changed = await rejection(adapter.up(1));
      expect(changed.code).toBe('MIGRATIONS_INVALID');
      expect(changed.message).toContain('Migration checksum mismatch for migration version 2');
      await writeFile(path.join(dir, 'V2__add_customer_phone.sql'), await readFile(path.join(SHOP, 'V2__add_customer_phone.sql')));
      await writeFile(path.join(dir, 'V1_5__late.sql'), 'SELECT 1;\n');
      const late = await rejection(adapter.up(1));
      expect(late.message).toContain('Detected resolved migration not applied to database: 1.5');
      expect((await rows(conn)).map((r) => r.version)).toEqual(['1', '2']);
    } finally {
      await cleanup();
    }
  });

  it('Flyway\'s built-in placeholders are replaced (the checksum stays the file\'s own); a placeholder with no value in any Flyway config, or a callback script dbrollback would not run, is refused before anything runs', async () => {
    const conn = await cluster.createDatabase();
    const dir = await dirWith({ 'V1__who.sql': "CREATE TABLE who AS SELECT '${flyway:user}'::text AS by, '${flyway:defaultSchema}'::text AS schema, '${flyway:filename}'::text AS file;\n" });
    expect(await adapterFor(conn, dir).up()).toEqual(['V1__who']);
    const [user] = await cluster.sql<{ u: string }>(conn.database, 'SELECT current_user AS u');
    expect(await cluster.sql(conn.database, 'SELECT by, schema, file FROM who')).toEqual([{ by: user!.u, schema: 'public', file: 'V1__who.sql' }]);
    expect((await rows(conn))[0]!.checksum).toBe(await checksumOf(dir, 'V1__who.sql'));

    await writeFile(path.join(dir, 'V2__env.sql'), 'CREATE TABLE ${tenant}_settings (k text);\n');
    const placeholder = await rejection(adapterFor(conn, dir).up());
    expect(placeholder.code).toBe('PLACEHOLDER_MISSING');
    expect(placeholder.message).toContain('No value provided for placeholder ${tenant}');
    await writeFile(path.join(dir, 'V2__env.sql'), 'CREATE TABLE settings (k text);\n');
    await writeFile(path.join(dir, 'afterMigrate.sql'), 'ANALYZE;\n');
    const callback = await rejection(adapterFor(conn, dir).up());
    expect(callback.message).toContain('callback scripts (afterMigrate.sql)');
    expect((await adapterFor(conn, dir).status()).warnings?.join(' ')).toContain('afterMigrate.sql');
    expect((await rows(conn)).map((r) => r.version)).toEqual(['1']);
  });

  it('never runs while Flyway holds its advisory lock (key "Flyway" + hashCode of "public"."flyway_schema_history")', async () => {
    // LOCK_MAGIC_NUM 0x466C79776179 = 77431708279161, plus Java's hashCode of the quoted table name (2125624436), computed apart.
    expect(flywayLockKey({ schema: 'public', table: 'flyway_schema_history' })).toBe(77433833903597n);
    const conn = await cluster.createDatabase();
    const holder = await connect(conn);
    try {
      await holder.query('SELECT pg_advisory_lock(77433833903597)');
      const err = await rejection(adapterFor(conn).up());
      expect(err.code).toBe('LOCK_HELD');
      expect(err.message).toContain('Flyway');
      expect((await adapterFor(conn).status()).lockHolder).not.toBeNull();
    } finally {
      await holder.end();
    }
    expect(await cluster.sql(conn.database, "SELECT to_regclass('public.flyway_schema_history') AS t")).toEqual([{ t: null }]);
  });
});

describe('a baselined history with dotted versions', () => {
  it('reads the SCHEMA and BASELINE rows as Flyway writes them; versions at or below the baseline are not pending; 1.10 comes after 1.9; V2_1 is recorded as 2.1', async () => {
    const conn = await cluster.createDatabase();
    // The schema the team had before Flyway, then what `flyway baseline` writes (SchemaHistory.addBaselineMarker) after the SCHEMA marker of a schema Flyway created.
    await cluster.sql(conn.database, 'CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL)');
    const db = await connect(conn);
    try {
      await createTable(db, { schema: 'public', table: 'flyway_schema_history' });
    } finally {
      await db.end();
    }
    await cluster.sql(
      conn.database,
      `INSERT INTO public.flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
         (0, NULL, '<< Flyway Schema Creation >>', 'SCHEMA', '"public"', NULL, current_user, 0, TRUE),
         (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, current_user, 0, TRUE)`,
    );
    const adapter = adapterFor(conn, HISTORY);
    const before = await adapter.status();
    expect(before.applied.map((m) => [m.name, m.down])).toEqual([['V1__initial_schema', 'missing']]);
    expect(before.applied[0]!.downNote).toContain('baseline');
    expect(before.pending.map((m) => m.name)).toEqual(['V1.1__add_accounts_email', 'V1.9__add_accounts_created_at', 'V1.10__index_accounts_email', 'V2_1__create_audit_log', 'R__account_names']);

    expect(await adapter.up()).toEqual(['V1.1__add_accounts_email', 'V1.9__add_accounts_created_at', 'V1.10__index_accounts_email', 'V2_1__create_audit_log', 'R__account_names']);
    expect((await rows(conn)).map((r) => [r.installed_rank, r.version, r.description, r.type, r.script])).toEqual([
      [0, null, '<< Flyway Schema Creation >>', 'SCHEMA', '"public"'],
      [1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>'],
      [2, '1.1', 'add accounts email', 'SQL', 'V1.1__add_accounts_email.sql'],
      [3, '1.9', 'add accounts created at', 'SQL', 'V1.9__add_accounts_created_at.sql'],
      [4, '1.10', 'index accounts email', 'SQL', 'V1.10__index_accounts_email.sql'],
      [5, '2.1', 'create audit log', 'SQL', 'sub/V2_1__create_audit_log.sql'],
      [6, null, 'account names', 'SQL', 'R__account_names.sql'],
    ]);
    // The repeatable was applied last: it stays applied, as `flyway undo` leaves it, and --count counts the versions
    // (was: refused, the repeatable taken as the last migration). Their U scripts run newest first, each with its UNDO_SQL row.
    const down = await adapter.down({ count: 2 });
    expect(down.steps.map((st) => [st.name, st.status])).toEqual([['V2_1__create_audit_log', 'success'], ['V1.10__index_accounts_email', 'success']]);
    expect((await rows(conn)).slice(7).map((r) => [r.installed_rank, r.version, r.type, r.script])).toEqual([
      [7, '2.1', 'UNDO_SQL', 'sub/U2_1__create_audit_log.sql'],
      [8, '1.10', 'UNDO_SQL', 'U1.10__index_accounts_email.sql'],
    ]);
    const after = await adapter.status();
    expect(after.applied.map((m) => m.name)).toEqual(['V1__initial_schema', 'V1.1__add_accounts_email', 'V1.9__add_accounts_created_at', 'R__account_names']);
    expect(after.headTags?.[0]).toBe('V1.9__add_accounts_created_at');
    expect(await cluster.sql(conn.database, "SELECT to_regclass('public.account_names')::text AS v")).toEqual([{ v: 'account_names' }]);
    // Past the versions left (the baseline counts, and cannot be undone): refused before anything runs, the repeatable not counted.
    const tooMany = await rejection(adapter.down({ count: 4 }));
    expect(tooMany.code).toBe('USAGE');
    expect(tooMany.message).toContain('--count 4 is more than the 3 applied migrations undo can take back (R__account_names is applied too');
    expect(await rows(conn)).toHaveLength(9);
  });

  it('classify orders a Flyway folder as Flyway applies it (1.9 before 1.10, repeatables last) without --migrator, the U scripts read as the downs', async () => {
    const run = await runBuiltCli(['classify', HISTORY, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const files = run.json<{ files: Array<{ path: string; kind: string; down: { kind: string } | null }> }>().files;
    expect(files.map((f) => path.basename(f.path))).toEqual(['V1__initial_schema.sql', 'V1.1__add_accounts_email.sql', 'V1.9__add_accounts_created_at.sql', 'V1.10__index_accounts_email.sql', 'R__account_names.sql']);
    expect(files.map((f) => f.down?.kind ?? null)).toEqual(['missing', 'yes', 'yes', 'yes', 'missing']);
  });
});

describe('detection', () => {
  it('by the files (V<version>__ names), by the history table when the folder does not say, and a folder in two formats refused naming both', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: SHOP, configModule: undefined })).toBe('flyway');

    const conn = await cluster.createDatabase();
    await adapterFor(conn).up(1);
    const empty = await dirWith({});
    expect(await detectMigrator({ migrator: undefined, migrationsDir: empty, configModule: undefined }, { history: historyLookupIn(cluster, conn.database) })).toBe('flyway');

    const both = await dirWith({ 'V1__init.sql': 'SELECT 1;\n', '001_init.up.sql': 'SELECT 1;\n' });
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: both, configModule: undefined }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(err.message).toContain('flyway (');
    expect(err.message).toContain('sql (');
  });
});

describe('Flyway\'s repeatables, configuration, placeholders and Java migrations (built CLI)', () => {
  const SPRING_SQL = path.join('src', 'main', 'resources', 'db', 'migration');
  let storage: string;
  beforeAll(async () => {
    storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-flyway-cli-'));
  });
  /** dbrollback run from a project directory (Flyway's working directory: its flyway.toml / flyway.conf). */
  const cliIn = (cwd: string, database: string, ...args: string[]) =>
    runBuiltCli([...args, '--database-url', cluster.url(database), '--storage', storage, '--json'], { cwd, env: { HOME: cwd } });
  interface ErrorJson {
    error: { code: string; message: string; hint: string };
  }

  it('a repeatable changed since it was applied is pending again; migrate re-applies it after the pending versioned ones (new row, version NULL, type SQL); plan --count 1 then names the newest versioned migration, the repeatable staying applied', async () => {
    const { dir, cleanup } = await copyFixture('flyway/shop');
    try {
      const conn = await cluster.createDatabase();
      ok(await cliIn(dir, conn.database, 'migrate', '--migrations', dir, '--backup', 'never'));
      const first = await rows(conn);
      expect(first.map((r) => [r.installed_rank, r.version, r.script])).toEqual([...[1, 2, 3, 4, 5, 6, 7].map((v) => [v, String(v), expect.stringMatching(new RegExp(`^V${v}__`))]), [8, null, 'R__shop_views.sql']]);

      // The view gains a column, and a new version comes with it.
      await writeFile(path.join(dir, 'R__shop_views.sql'), (await readFile(path.join(dir, 'R__shop_views.sql'), 'utf8')).replace('sum(quantity * unit_price_cents) AS total_cents', 'sum(quantity * unit_price_cents) AS total_cents, count(*) AS lines'));
      await writeFile(path.join(dir, 'V8__add_order_channel.sql'), "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';\n");
      await writeFile(path.join(dir, 'U8__add_order_channel.sql'), 'ALTER TABLE orders DROP COLUMN channel;\n');
      const status = await cliIn(dir, conn.database, 'status', '--migrations', dir);
      ok(status);
      const doc = status.json<{ pending: string[]; warnings: string[] }>();
      expect(doc.pending).toEqual(['V8__add_order_channel', 'R__shop_views']);
      expect(doc.warnings.join(' ')).toContain('R__shop_views changed since it was applied');

      const migrate = await cliIn(dir, conn.database, 'migrate', '--migrations', dir, '--backup', 'never');
      ok(migrate);
      const after = await rows(conn);
      expect(after.slice(8).map((r) => [r.installed_rank, r.version, r.description, r.type, r.script, r.checksum, r.success])).toEqual([
        [9, '8', 'add order channel', 'SQL', 'V8__add_order_channel.sql', await checksumOf(dir, 'V8__add_order_channel.sql'), true],
        [10, null, 'shop views', 'SQL', 'R__shop_views.sql', await checksumOf(dir, 'R__shop_views.sql'), true],
      ]);
      expect(await cluster.sql(conn.database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'order_totals' AND column_name = 'lines'")).toEqual([{ column_name: 'lines' }]);
      // Nothing left to re-apply: the latest row's checksum is the file's.
      expect((await cliIn(dir, conn.database, 'status', '--migrations', dir)).json<{ pending: string[] }>().pending).toEqual([]);

      // The repeatable is the last applied: Flyway's undo skips it and takes back V8, and so does dbrollback (was: a restore over the repeatable).
      const plan = await cliIn(dir, conn.database, 'plan', '--count', '1', '--migrations', dir);
      ok(plan);
      const planDoc = plan.json<{ type: string; migrations: Array<{ name: string; reversible: boolean | null }>; staysApplied: Array<{ name: string }> }>();
      expect(planDoc.type).not.toBe('restore');
      expect(planDoc.migrations.map((m) => [m.name, m.reversible])).toEqual([['V8__add_order_channel', true]]);
      expect(planDoc.staysApplied.map((m) => m.name)).toEqual(['R__shop_views']);
    } finally {
      await cleanup();
    }
  });

  it('outOfOrder from the project\'s Flyway configuration: false refuses a pending version below the applied head naming outOfOrder; true (flyway.toml, which Flyway reads over flyway.conf) applies it', async () => {
    const conn = await cluster.createDatabase();
    const project = await dirWith({ 'flyway.conf': 'flyway.outOfOrder=false\n' }, 'dbrollback-flyway-project-');
    const migrations = path.join(project, 'migrations');
    await cp(SHOP, migrations, { recursive: true });
    ok(await cliIn(project, conn.database, 'migrate', '--count', '2', '--migrations', migrations, '--backup', 'never'));
    await writeFile(path.join(migrations, 'V1_5__add_product_weight.sql'), 'ALTER TABLE products ADD COLUMN weight_grams integer;\n');

    const refused = await cliIn(project, conn.database, 'migrate', '--count', '1', '--migrations', migrations, '--backup', 'never');
    expect(refused.exitCode).toBe(2);
    const { error } = refused.json<ErrorJson>();
    expect(error.code).toBe('MIGRATIONS_INVALID');
    expect(error.message).toContain('Detected resolved migration not applied to database: 1.5');
    expect(error.message).toContain('set outOfOrder to true');
    expect((await rows(conn)).map((r) => r.version)).toEqual(['1', '2']);

    await writeFile(path.join(project, 'flyway.toml'), '[environments.default]\nschemas = ["public"]\n\n[flyway]\nlocations = ["filesystem:migrations"]\noutOfOrder = true # the team merges feature branches out of order\n');
    const migrate = await cliIn(project, conn.database, 'migrate', '--count', '1', '--migrations', migrations, '--backup', 'never');
    ok(migrate);
    expect(migrate.json<{ applied: string[] }>().applied).toEqual(['V1_5__add_product_weight']);
    expect((await rows(conn)).map((r) => [r.installed_rank, r.version])).toEqual([
      [1, '1'],
      [2, '2'],
      [3, '1.5'],
    ]);
  });

  it('the history table Flyway\'s configuration names (flyway.table, as projects from before Flyway 5 keep schema_version) is the one read and written', async () => {
    const conn = await cluster.createDatabase();
    const project = await dirWith({ 'flyway.conf': 'flyway.table=schema_version\n' }, 'dbrollback-flyway-table-');
    ok(await cliIn(project, conn.database, 'migrate', '--count', '2', '--migrations', SHOP, '--backup', 'never'));
    expect(await cluster.sql(conn.database, "SELECT to_regclass('public.flyway_schema_history') AS t")).toEqual([{ t: null }]);
    expect(await cluster.sql(conn.database, 'SELECT version, script FROM public.schema_version ORDER BY installed_rank')).toEqual([
      { version: '1', script: 'V1__create_tables.sql' },
      { version: '2', script: 'V2__add_customer_phone.sql' },
    ]);
    const status = await cliIn(project, conn.database, 'status', '--migrations', SHOP);
    expect(status.json<{ migrator: string; head: string }>()).toMatchObject({ migrator: 'flyway', head: 'V2__add_customer_phone' });
  });

  it('Flyway\'s environment variables win over flyway.toml: FLYWAY_TABLE is the history read and written, FLYWAY_PLACEHOLDERS_TENANT_LABEL the value of ${tenant_label} (a new value makes the repeatable pending)', async () => {
    const conn = await cluster.createDatabase();
    const project = await dirWith(
      {
        'flyway.toml': '[flyway]\ntable = "toml_history"\n\n[flyway.placeholders]\ntenant_label = "from-file"\n',
        'V1__create_labels.sql': "CREATE TABLE labels (name text NOT NULL);\nINSERT INTO labels VALUES ('${tenant_label}');\n",
        'R__label_view.sql': "CREATE OR REPLACE VIEW label_view AS SELECT '${tenant_label}'::text AS tenant;\n",
      },
      'dbrollback-flyway-env-',
    );
    const withEnv = (env: Record<string, string>, ...args: string[]) =>
      runBuiltCli([...args, '--migrations', project, '--database-url', cluster.url(conn.database), '--storage', storage, '--json'], { cwd: project, env: { HOME: project, ...env } });
    const FLYWAY_ENV = { FLYWAY_TABLE: 'env_history', FLYWAY_PLACEHOLDERS_TENANT_LABEL: 'from-env' };

    ok(await withEnv(FLYWAY_ENV, 'migrate', '--backup', 'never'));
    expect(await cluster.sql(conn.database, "SELECT to_regclass('public.env_history')::text AS env, to_regclass('public.toml_history')::text AS toml")).toEqual([{ env: 'env_history', toml: null }]);
    expect(await cluster.sql(conn.database, 'SELECT version, script FROM public.env_history ORDER BY installed_rank')).toEqual([
      { version: '1', script: 'V1__create_labels.sql' },
      { version: null, script: 'R__label_view.sql' },
    ]);
    expect(await cluster.sql(conn.database, 'SELECT (SELECT name FROM labels) AS label, (SELECT tenant FROM label_view) AS tenant')).toEqual([{ label: 'from-env', tenant: 'from-env' }]);

    const status = await withEnv(FLYWAY_ENV, 'status');
    ok(status);
    expect(status.json<{ head: string; pending: string[] }>()).toMatchObject({ head: 'R__label_view', pending: [] });
    // Another value of the placeholder: the repeatable's checksum (over the replaced text) no longer matches.
    const relabelled = await withEnv({ ...FLYWAY_ENV, FLYWAY_PLACEHOLDERS_TENANT_LABEL: 'relabelled' }, 'status');
    ok(relabelled);
    expect(relabelled.json<{ pending: string[] }>().pending).toEqual(['R__label_view']);
    // Without the variables, flyway.toml's table is the history: there is none, so nothing reads as applied.
    const fileOnly = await withEnv({}, 'status');
    ok(fileOnly);
    expect(fileOnly.json<{ head: string | null; pending: string[] }>()).toMatchObject({ head: null, pending: ['V1__create_labels', 'R__label_view'] });
  });

  it('the project\'s naming of migration files (prefixes, separator, suffixes from flyway.toml): detected, classified, migrated and undone as Flyway would; a V file is not a migration then; an invalid name is ignored with a warning, refused under FLYWAY_VALIDATE_MIGRATION_NAMING=true', async () => {
    const conn = await cluster.createDatabase();
    const project = await dirWith(
      {
        'flyway.toml': '[flyway]\nsqlMigrationPrefix = "M"\nundoSqlMigrationPrefix = "D"\nrepeatableSqlMigrationPrefix = "RM"\nsqlMigrationSeparator = "--"\nsqlMigrationSuffixes = [".pgsql", ".sql"]\n',
        'db/M1--create_accounts.pgsql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);\n',
        'db/D1--create_accounts.pgsql': 'DROP TABLE accounts;\n',
        'db/M1_1--add_email.sql': 'ALTER TABLE accounts ADD COLUMN email text;\n',
        'db/D1_1--add_email.sql': 'ALTER TABLE accounts DROP COLUMN email;\n',
        'db/M2a--typo.sql': 'CREATE TABLE typo (id int);\n',
        'db/V9__not_a_migration_here.sql': 'CREATE TABLE not_ours (id int);\n',
        'db/RM--account_names.pgsql': 'CREATE OR REPLACE VIEW account_names AS SELECT name FROM accounts;\n',
      },
      'dbrollback-flyway-naming-',
    );
    const cli = (env: Record<string, string>, ...args: string[]) => runBuiltCli([...args, '--json'], { cwd: project, env: { HOME: project, ...env } });
    const db = ['--migrations', 'db', '--database-url', cluster.url(conn.database), '--storage', storage];

    // classify without --migrator: Flyway's order, the .pgsql scripts included, the D scripts read as the downs, V9 and M2a left out.
    const classify = await cli({}, 'classify', 'db');
    ok(classify);
    const files = classify.json<{ files: Array<{ path: string; down: { path: string | null } | null }> }>().files;
    expect(files.map((f) => path.basename(f.path))).toEqual(['M1--create_accounts.pgsql', 'M1_1--add_email.sql', 'RM--account_names.pgsql']);
    expect(files.map((f) => (f.down?.path ? path.basename(f.down.path) : null))).toEqual(['D1--create_accounts.pgsql', 'D1_1--add_email.sql', null]);

    ok(await cli({}, 'migrate', ...db, '--to', 'M1_1--add_email', '--backup', 'never'));
    const status = await cli({}, 'status', ...db);
    ok(status);
    const read = status.json<{ migrator: string; head: string; pending: string[]; warnings: string[] }>();
    expect(read).toMatchObject({ migrator: 'flyway', head: 'M1_1--add_email', pending: ['RM--account_names'] });
    expect(read.warnings).toContain('Invalid versioned migration name format: M2a--typo.sql (could not recognise version number 2a): not a migration, ignored as Flyway ignores it (validateMigrationNaming=false); set validateMigrationNaming=true to have Flyway and dbrollback refuse it');

    // Version 1.1 undone by its D script, recorded as Flyway Teams records it; then everything applied.
    await cluster.sql(conn.database, "INSERT INTO accounts VALUES (1, 'a', 'a@example.test')");
    ok(await cli({}, 'undo', ...db, '--count', '1', '--backup', 'never', '--accept-data-loss', '--yes'));
    expect(await cluster.sql(conn.database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY ordinal_position")).toEqual([{ column_name: 'id' }, { column_name: 'name' }]);
    ok(await cli({}, 'migrate', ...db, '--backup', 'never'));
    expect((await rows(conn)).map((r) => [r.installed_rank, r.version, r.description, r.type, r.script])).toEqual([
      [1, '1', 'create accounts', 'SQL', 'M1--create_accounts.pgsql'],
      [2, '1.1', 'add email', 'SQL', 'M1_1--add_email.sql'],
      [3, '1.1', 'add email', 'UNDO_SQL', 'D1_1--add_email.sql'],
      [4, '1.1', 'add email', 'SQL', 'M1_1--add_email.sql'],
      [5, null, 'account names', 'SQL', 'RM--account_names.pgsql'],
    ]);
    expect(await cluster.sql(conn.database, "SELECT to_regclass('public.not_ours')::text AS v9, to_regclass('public.typo')::text AS typo, to_regclass('public.account_names')::text AS view")).toEqual([{ v9: null, typo: null, view: 'account_names' }]);

    const strict = await cli({ FLYWAY_VALIDATE_MIGRATION_NAMING: 'true' }, 'status', ...db);
    expect(strict.exitCode).not.toBe(0);
    expect(strict.json<ErrorJson>().error).toMatchObject({ code: 'MIGRATIONS_INVALID' });
    expect(strict.json<ErrorJson>().error.message).toContain('Invalid versioned migration name format: M2a--typo.sql (could not recognise version number 2a)');
  });

  it('placeholders from flyway.conf: replaced in what runs and what classify sees; a versioned script\'s checksum is its file\'s, a repeatable\'s the replaced text\'s, so a new value re-applies the repeatable', async () => {
    const { dir, cleanup } = await copyFixture('flyway/spring');
    try {
      const conn = await cluster.createDatabase();
      const sql = path.join(dir, SPRING_SQL);
      const classify = await runBuiltCli(['classify', sql, '--json'], { cwd: dir, env: { HOME: dir } });
      ok(classify);
      const v2 = classify.json<{ files: Array<{ path: string; statements: Array<{ sql: string }> }> }>().files.find((f) => f.path.endsWith('V2__add_entry_currency.sql'))!;
      expect(v2.statements[0]!.sql).toContain("DEFAULT 'EUR'");

      ok(await cliIn(dir, conn.database, 'migrate', '--to', 'V2__add_entry_currency', '--migrations', SPRING_SQL, '--backup', 'never'));
      expect(await cluster.sql(conn.database, "SELECT column_default FROM information_schema.columns WHERE table_name = 'ledger_entries' AND column_name = 'currency'")).toEqual([{ column_default: "'EUR'::bpchar" }]);
      expect((await rows(conn))[1]!.checksum).toBe(await checksumOf(sql, 'V2__add_entry_currency.sql'));

      // The service's own Flyway ran the Java migration V3 (a JDBC row: the class's name, no checksum).
      await cluster.sql(
        conn.database,
        "INSERT INTO public.flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (3, '3', 'Backfill entry currency', 'JDBC', 'db.migration.V3__Backfill_entry_currency', NULL, current_user, 12, true)",
      );
      ok(await cliIn(dir, conn.database, 'migrate', '--migrations', SPRING_SQL, '--backup', 'never'));
      const raw = await readFile(path.join(sql, 'R__ledger_views.sql'), 'utf8');
      const replaced = raw.replaceAll('${reporting_label}', 'finance reporting').replaceAll('${ledger_currency}', 'EUR').replaceAll('${flyway:defaultSchema}', 'public');
      const r1 = (await rows(conn))[3]!;
      expect([r1.installed_rank, r1.version, r1.type, r1.script, r1.checksum]).toEqual([4, null, 'SQL', 'R__ledger_views.sql', flywayChecksum(replaced)]);
      expect(r1.checksum).not.toBe(flywayChecksum(raw));
      expect(await cluster.sql(conn.database, "SELECT obj_description('ledger_balances'::regclass) AS c")).toEqual([{ c: 'balances per account for finance reporting, default currency EUR (schema public)' }]);

      // A new value for a placeholder the repeatable uses: Flyway re-applies it.
      await writeFile(path.join(dir, 'flyway.conf'), (await readFile(path.join(dir, 'flyway.conf'), 'utf8')).replace('ledger_currency=EUR', 'ledger_currency=CHF'));
      const status = await cliIn(dir, conn.database, 'status', '--migrations', SPRING_SQL);
      expect(status.json<{ pending: string[] }>().pending).toEqual(['R__ledger_views']);
      ok(await cliIn(dir, conn.database, 'migrate', '--migrations', SPRING_SQL, '--backup', 'never'));
      expect((await rows(conn)).slice(4).map((r) => [r.installed_rank, r.version, r.script])).toEqual([[5, null, 'R__ledger_views.sql']]);
      expect(await cluster.sql(conn.database, "SELECT obj_description('ledger_balances'::regclass) AS c")).toEqual([{ c: 'balances per account for finance reporting, default currency CHF (schema public)' }]);
    } finally {
      await cleanup();
    }
  });

  it('plan over a repeatable whose script names its schema with a placeholder: the repeatable stays applied (read as Flyway sends it where it is read), the newest versioned migration is planned (was: a syntax error at `${`, exit 2)', async () => {
    const { dir, cleanup } = await copyFixture('flyway/spring');
    onTestFinished(cleanup);
    const conn = await cluster.createDatabase();
    const views = path.join(dir, SPRING_SQL, 'R__ledger_views.sql');
    await writeFile(views, (await readFile(views, 'utf8')).replace('CREATE OR REPLACE VIEW ledger_balances', 'CREATE OR REPLACE VIEW ${flyway:defaultSchema}.ledger_balances'));
    await rm(path.join(dir, 'src', 'main', 'java'), { recursive: true }); // the Java migration: migrate would stop before it
    ok(await cliIn(dir, conn.database, 'migrate', '--migrations', SPRING_SQL, '--backup', 'never'));
    const plan = await cliIn(dir, conn.database, 'plan', '--count', '1', '--migrations', SPRING_SQL);
    ok(plan);
    expect(plan.json<{ type: string; migrations: Array<{ name: string }>; staysApplied: Array<{ name: string }> }>()).toMatchObject({ migrations: [{ name: 'V2__add_entry_currency' }], staysApplied: [{ name: 'R__ledger_views' }] });
  });

  it('a Java migration is listed, never run: migrate refuses a selection that reaches it (exit 2, nothing applied, naming the class and --to); applied by the service\'s Flyway (JDBC row), its way back is a restore', async () => {
    const conn = await cluster.createDatabase();
    // A copy: the CLI runs with HOME in the project, and writes its caches there.
    const { dir: project, cleanup } = await copyFixture('flyway/spring');
    onTestFinished(cleanup);
    const status = await cliIn(project, conn.database, 'status', '--migrations', SPRING_SQL);
    ok(status);
    const doc = status.json<{ migrations: Array<{ name: string; down: string; downNote?: string }>; warnings: string[] }>();
    expect(doc.migrations.map((m) => [m.name, m.down])).toEqual([
      ['V1__create_ledger', 'yes'],
      ['V2__add_entry_currency', 'yes'],
      ['V3__Backfill_entry_currency', 'missing'],
      ['R__ledger_views', 'missing'],
    ]);
    expect(doc.migrations[2]!.downNote).toContain('a Java migration (class db.migration.V3__Backfill_entry_currency)');
    expect(doc.warnings.join(' ')).toContain('V3__Backfill_entry_currency is a Java migration');

    const refused = await cliIn(project, conn.database, 'migrate', '--migrations', SPRING_SQL, '--backup', 'never');
    expect(refused.exitCode).toBe(2);
    const { error } = refused.json<ErrorJson>();
    expect(error.code).toBe('MIGRATIONS_INVALID');
    expect(error.message).toContain('V3__Backfill_entry_currency is a Java migration (class db.migration.V3__Backfill_entry_currency');
    expect(error.hint).toContain(`${suggested(['--migrations', SPRING_SQL, '--database-url', cluster.url(conn.database), '--storage', storage])} migrate --to V2__add_entry_currency`);
    expect(await cluster.sql(conn.database, "SELECT to_regclass('public.flyway_schema_history') AS t")).toEqual([{ t: null }]);

    ok(await cliIn(project, conn.database, 'migrate', '--to', 'V2__add_entry_currency', '--migrations', SPRING_SQL, '--backup', 'never'));
    await cluster.sql(
      conn.database,
      "INSERT INTO public.flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (3, '3', 'Backfill entry currency', 'JDBC', 'db.migration.V3__Backfill_entry_currency', NULL, current_user, 12, true)",
    );
    const plan = await cliIn(project, conn.database, 'plan', '--count', '1', '--migrations', SPRING_SQL);
    ok(plan);
    const planDoc = plan.json<{ type: string; migrations: Array<{ name: string; reversible: boolean | null }> }>();
    expect(planDoc.type).toBe('restore');
    expect(planDoc.migrations.map((m) => [m.name, m.reversible])).toEqual([['V3__Backfill_entry_currency', false]]);
    const undo = await cliIn(project, conn.database, 'undo', '--count', '1', '--yes', '--no-backup', '--migrations', SPRING_SQL);
    expect(undo.exitCode).toBe(4);
    expect(undo.json<ErrorJson>().error.message).toContain('V3__Backfill_entry_currency');
    expect((await rows(conn)).map((r) => r.version)).toEqual(['1', '2', '3']);
  });

  describe('the settings that change what flyway migrate does', () => {
    /** A project: its Flyway configuration files at the top, the shop's migrations in ./migrations. */
    const project = async (files: Record<string, string>) => {
      const dir = await dirWith(files, 'dbrollback-flyway-settings-');
      const migrations = path.join(dir, 'migrations');
      await cp(SHOP, migrations, { recursive: true });
      return { dir, migrations };
    };
    const cliEnv = (cwd: string, database: string, env: Record<string, string>, ...args: string[]) =>
      runBuiltCli([...args, '--database-url', cluster.url(database), '--storage', storage, '--json'], { cwd, env: { HOME: cwd, ...env } });
    const versions = async (conn: ConnInfo) => (await rows(conn)).map((r) => r.version ?? r.script);
    interface StatusJson {
      pending: string[];
      migrations: Array<{ name: string; applied: boolean; skippedBy?: string }>;
      warnings: string[];
    }

    it('target (flyway.toml): status shows the versions above it as pending but not run; migrate stops there (repeatables still run); --to or --count past it is refused naming target; FLYWAY_TARGET wins over the file', async () => {
      const conn = await cluster.createDatabase();
      const { dir, migrations } = await project({ 'flyway.toml': '[flyway]\ntarget = "3"\n' });
      const status = await cliIn(dir, conn.database, 'status', '--migrations', migrations);
      ok(status);
      const doc = status.json<StatusJson>();
      expect(doc.migrations.filter((m) => m.skippedBy).map((m) => m.name)).toEqual(['V4__rename_order_note', 'V5__drop_customer_legacy_code', 'V6__backfill_product_sku', 'V7__collapse_order_statuses']);
      expect(doc.migrations.find((m) => m.name === 'V4__rename_order_note')!.skippedBy).toBe(`above the target Flyway's configuration sets (target = 3, in ${path.join(dir, 'flyway.toml')}): Flyway's migrate does not apply it`);
      expect(doc.warnings.join('\n')).toContain('V7__collapse_order_statuses is pending but will not run: above the target');

      const migrate = await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      ok(migrate);
      expect(migrate.json<{ applied: string[] }>().applied).toEqual(['V1__create_tables', 'V2__add_customer_phone', 'V3__index_orders_customer', 'R__shop_views']);
      expect(await versions(conn)).toEqual(['1', '2', '3', 'R__shop_views.sql']);

      for (const past of [['--to', 'V5__drop_customer_legacy_code'], ['--count', '1']]) {
        const refused = await cliIn(dir, conn.database, 'migrate', ...past, '--migrations', migrations, '--backup', 'never');
        expect(refused.exitCode).toBe(2);
        const { error } = refused.json<ErrorJson>();
        expect(error.code).toBe('USAGE');
        expect(error.message).toContain(`${past[0] === '--to' ? 'V5__drop_customer_legacy_code' : 'V4__rename_order_note'} is pending but above the target Flyway's configuration sets (target = 3`);
        expect(error.hint).toContain('Raise or remove target in the Flyway configuration');
      }
      expect(await versions(conn)).toEqual(['1', '2', '3', 'R__shop_views.sql']);

      // The environment variable wins over flyway.toml, as in Flyway.
      ok(await cliEnv(dir, conn.database, { FLYWAY_TARGET: '5' }, 'migrate', '--migrations', migrations, '--backup', 'never'));
      expect(await versions(conn)).toEqual(['1', '2', '3', 'R__shop_views.sql', '4', '5']);
    });

    it('target (flyway.conf, environment): a version no migration has stops migrate before anything runs, <version>? goes up to it; next applies one migration; current applies no new version', async () => {
      const conn = await cluster.createDatabase();
      const { dir, migrations } = await project({ 'flyway.conf': 'flyway.target=2.5\n' });
      const refused = await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(refused.exitCode).toBe(2);
      const { error } = refused.json<ErrorJson>();
      expect(error.message).toContain(`No migration with a target version 2.5 could be found (target = 2.5, in ${path.join(dir, 'flyway.conf')})`);
      expect(error.hint).toContain('2.5?');
      expect(await cluster.sql(conn.database, "SELECT to_regclass('public.flyway_schema_history') AS t")).toEqual([{ t: null }]);

      await writeFile(path.join(dir, 'flyway.conf'), 'flyway.target=2.5?\n');
      ok(await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never'));
      expect(await versions(conn)).toEqual(['1', '2', 'R__shop_views.sql']);

      ok(await cliEnv(dir, conn.database, { FLYWAY_TARGET: 'next' }, 'migrate', '--migrations', migrations, '--backup', 'never'));
      expect(await versions(conn)).toEqual(['1', '2', 'R__shop_views.sql', '3']);

      const current = await cliEnv(dir, conn.database, { FLYWAY_TARGET: 'current' }, 'migrate', '--migrations', migrations, '--backup', 'never');
      ok(current);
      expect(current.json<{ applied: string[] }>().applied).toEqual([]);
      expect(await versions(conn)).toEqual(['1', '2', 'R__shop_views.sql', '3']);
    });

    it('baselineOnMigrate: a schema holding tables but no history gets Flyway\'s BASELINE row at baselineVersion, then the versions above it; without it migrate is refused naming baselineOnMigrate', async () => {
      const conn = await cluster.createDatabase();
      const { dir, migrations } = await project({ 'flyway.conf': 'flyway.table=flyway_schema_history\n' });
      // The schema V1 and V2 make, made before the team adopted Flyway.
      const existing = await cluster.createDatabase();
      ok(await cliIn(dir, existing.database, 'migrate', '--to', 'V2__add_customer_phone', '--migrations', migrations, '--backup', 'never'));
      await cluster.sql(existing.database, 'DROP TABLE public.flyway_schema_history');
      const dump = spawnSync('pg_dump', ['--schema-only', '--no-owner', '-d', cluster.url(existing.database)], { encoding: 'utf8' });
      expect(dump.status, dump.stderr).toBe(0);
      const load = spawnSync('psql', ['-v', 'ON_ERROR_STOP=1', '-q', '-d', cluster.url(conn.database)], { input: dump.stdout, encoding: 'utf8' });
      expect(load.status, load.stderr).toBe(0);

      const refused = await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(refused.exitCode).toBe(2);
      expect(refused.json<ErrorJson>().error.message).toContain('Found non-empty schema "public"');
      expect(refused.json<ErrorJson>().error.hint).toContain('set baselineOnMigrate = true (and baselineVersion) in the Flyway configuration');

      await writeFile(path.join(dir, 'flyway.conf'), 'flyway.baselineOnMigrate=true\nflyway.baselineVersion=2\nflyway.baselineDescription=before Flyway\nflyway.installedBy=release-bot\n');
      const status = await cliIn(dir, conn.database, 'status', '--migrations', migrations);
      ok(status);
      const doc = status.json<StatusJson>();
      expect(doc.pending).toEqual(['V3__index_orders_customer', 'V4__rename_order_note', 'V5__drop_customer_legacy_code', 'V6__backfill_product_sku', 'V7__collapse_order_statuses', 'R__shop_views']);
      expect(doc.warnings.join('\n')).toContain('migrate first records a BASELINE at version 2 (baselineOnMigrate)');
      // Nothing is recorded yet: status only reads.
      expect(doc.migrations.filter((m) => m.applied)).toEqual([]);
      expect(await cluster.sql(conn.database, "SELECT to_regclass('public.flyway_schema_history') AS t")).toEqual([{ t: null }]);

      ok(await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never'));
      const after = await rows(conn);
      // installedBy is what installed_by records, as Flyway records it.
      expect(withoutTimes(after[0]!)).toEqual({ installed_rank: 1, version: '2', description: 'before Flyway', type: 'BASELINE', script: 'before Flyway', checksum: null, installed_by: 'release-bot', execution_time: 'number', success: true });
      expect(new Set(after.map((r) => r.installed_by))).toEqual(new Set(['release-bot']));
      expect(after[0]!.execution_time).toBe(0);
      expect(after.map((r) => r.version ?? r.script)).toEqual(['2', '3', '4', '5', '6', '7', 'R__shop_views.sql']);
    });

    it('baseline migrations (baselineMigrationPrefix, B by default): a database without history gets the latest one (an SQL_BASELINE row) instead of the versions at or below it; a database with history never runs one', async () => {
      const { dir, migrations } = await project({ 'flyway.toml': '[flyway]\nbaselineMigrationPrefix = "BL"\n' });
      // The schema at version 5, in one script, as teams squash their history (V3's index built plainly: nothing else runs on a fresh database).
      const texts = await Promise.all(['V1__create_tables.sql', 'V2__add_customer_phone.sql', 'V4__rename_order_note.sql', 'V5__drop_customer_legacy_code.sql'].map((f) => readFile(path.join(migrations, f), 'utf8')));
      const squashed = `${texts.slice(0, 2).join('\n')}\nCREATE INDEX orders_customer_id_idx ON orders (customer_id);\n${texts.slice(2).join('\n')}`;
      await writeFile(path.join(migrations, 'BL3__shop_at_v3.sql'), 'SELECT 1;\n');
      await writeFile(path.join(migrations, 'BL5__shop_at_v5.sql'), squashed);

      const fresh = await cluster.createDatabase();
      const status = await cliIn(dir, fresh.database, 'status', '--migrations', migrations);
      ok(status);
      const doc = status.json<StatusJson>();
      expect(doc.migrations.filter((m) => !m.skippedBy).map((m) => m.name)).toEqual(['BL5__shop_at_v5', 'V6__backfill_product_sku', 'V7__collapse_order_statuses', 'R__shop_views']);
      expect(doc.migrations.filter((m) => m.skippedBy).map((m) => m.name)).toEqual(['V1__create_tables', 'V2__add_customer_phone', 'V3__index_orders_customer', 'V4__rename_order_note', 'V5__drop_customer_legacy_code']);
      expect(doc.migrations.find((m) => m.name === 'V5__drop_customer_legacy_code')!.skippedBy).toBe("at or below the baseline migration BL5__shop_at_v5, which Flyway's migrate applies instead to a database without history");

      const migrate = await cliIn(dir, fresh.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      ok(migrate);
      expect(migrate.json<{ applied: string[] }>().applied).toEqual(['BL5__shop_at_v5', 'V6__backfill_product_sku', 'V7__collapse_order_statuses', 'R__shop_views']);
      const after = await rows(fresh);
      expect(after.map((r) => [r.installed_rank, r.version, r.description, r.type, r.script, r.checksum, r.success])).toEqual([
        [1, '5', 'shop at v5', 'SQL_BASELINE', 'BL5__shop_at_v5.sql', flywayChecksum(squashed), true],
        [2, '6', 'backfill product sku', 'SQL', 'V6__backfill_product_sku.sql', await checksumOf(migrations, 'V6__backfill_product_sku.sql'), true],
        [3, '7', 'collapse order statuses', 'SQL', 'V7__collapse_order_statuses.sql', await checksumOf(migrations, 'V7__collapse_order_statuses.sql'), true],
        [4, null, 'shop views', 'SQL', 'R__shop_views.sql', await checksumOf(migrations, 'R__shop_views.sql'), true],
      ]);
      const again = (await cliIn(dir, fresh.database, 'status', '--migrations', migrations)).json<StatusJson & { migrations: Array<{ name: string; applied: boolean; down: string }> }>();
      expect(again.pending).toEqual([]);
      expect(again.migrations.find((m) => m.name === 'BL5__shop_at_v5')).toMatchObject({ applied: true, down: 'missing' });

      // A version below the baseline cannot be chosen on a database without history: Flyway would apply the baseline instead.
      const existing = await cluster.createDatabase();
      const below = await cliIn(dir, existing.database, 'migrate', '--to', 'V1__create_tables', '--migrations', migrations, '--backup', 'never');
      expect(below.exitCode).toBe(2);
      expect(below.json<ErrorJson>().error.message).toContain('V1__create_tables is pending but at or below the baseline migration BL5__shop_at_v5');
      expect(below.json<ErrorJson>().error.hint).toContain('Move BL5__shop_at_v5.sql out of the migrations directory');

      // With history, the baseline migrations are never run: the versions are applied one by one.
      ok(await cliIn(dir, existing.database, 'migrate', '--to', 'V1__create_tables', '--migrations', SHOP, '--backup', 'never'));
      ok(await cliIn(dir, existing.database, 'migrate', '--migrations', migrations, '--backup', 'never'));
      expect((await rows(existing)).map((r) => [r.version, r.type])).toEqual([...['1', '2', '3', '4', '5', '6', '7'].map((v) => [v, 'SQL']), [null, 'SQL']]);
    });

    it('group = true with more than one migration pending is refused before anything runs (dbrollback applies one at a time); FLYWAY_GROUP=false lets migrate go on', async () => {
      const conn = await cluster.createDatabase();
      const { dir, migrations } = await project({ 'flyway.toml': '[flyway]\ngroup = true\n' });
      const refused = await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(refused.exitCode).toBe(2);
      const { error } = refused.json<ErrorJson>();
      expect(error.message).toContain('group is true in the Flyway configuration: Flyway applies all 8 pending migrations in one transaction');
      expect(error.hint).toContain('set group = false in the Flyway configuration');
      expect(await cluster.sql(conn.database, "SELECT to_regclass('public.flyway_schema_history') AS t")).toEqual([{ t: null }]);
      ok(await cliEnv(dir, conn.database, { FLYWAY_GROUP: 'false' }, 'migrate', '--count', '1', '--migrations', migrations, '--backup', 'never'));
      expect(await versions(conn)).toEqual(['1']);
    });

    it('executeInTransaction = false runs every script outside a transaction (a failure leaves its first statements and a failed row, as Flyway records it); skipExecutingMigrations = true is refused before anything runs', async () => {
      const conn = await cluster.createDatabase();
      const { dir, migrations } = await project({ 'flyway.conf': 'flyway.executeInTransaction=false\n' });
      ok(await cliIn(dir, conn.database, 'migrate', '--to', 'V7__collapse_order_statuses', '--migrations', migrations, '--backup', 'never'));
      await writeFile(path.join(migrations, 'V8__customer_tier.sql'), 'ALTER TABLE customers ADD COLUMN tier text;\nALTER TABLE no_such_table ADD COLUMN x int;\n');

      const skip = await cliEnv(dir, conn.database, { FLYWAY_SKIP_EXECUTING_MIGRATIONS: 'true' }, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(skip.exitCode).toBe(2);
      expect(skip.json<ErrorJson>().error.message).toContain('skipExecutingMigrations is true in the Flyway configuration');
      expect(skip.json<ErrorJson>().error.hint).toContain('set skipExecutingMigrations = false');
      expect(await versions(conn)).toEqual(['1', '2', '3', '4', '5', '6', '7']);

      const failed = await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(failed.exitCode).toBe(1);
      expect(failed.json<ErrorJson>().error.message).toContain('It ran outside a transaction');
      expect((await rows(conn)).at(-1)).toMatchObject({ version: '8', success: false });
      expect(await cluster.sql(conn.database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'tier'")).toEqual([{ column_name: 'tier' }]);
    });

    it('mixed: a migration holding CREATE INDEX CONCURRENTLY beside other statements is refused before anything runs while mixed is false (status says so); mixed = true runs it outside a transaction', async () => {
      const conn = await cluster.createDatabase();
      const { dir, migrations } = await project({ 'flyway.conf': 'flyway.mixed=false\n' });
      await writeFile(path.join(migrations, 'V8__customer_email.sql'), 'ALTER TABLE customers ADD COLUMN loyalty_tier text;\nCREATE INDEX CONCURRENTLY customers_loyalty_idx ON customers (loyalty_tier);\n');
      ok(await cliIn(dir, conn.database, 'migrate', '--to', 'V7__collapse_order_statuses', '--migrations', migrations, '--backup', 'never'));
      const status = await cliIn(dir, conn.database, 'status', '--migrations', migrations);
      ok(status);
      expect(status.json<StatusJson>().warnings.join('\n')).toContain('V8__customer_email.sql holds both statements PostgreSQL refuses in a transaction (CREATE INDEX CONCURRENTLY customers_loyalty_idx ON customers (loyalty_tier)) and others');

      const refused = await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(refused.exitCode).toBe(2);
      const { error } = refused.json<ErrorJson>();
      expect(error.message).toContain('Flyway refuses such a migration while mixed is false');
      expect(error.hint).toContain('set mixed = true in the Flyway configuration');
      expect(error.hint).not.toContain('Java');
      expect(await versions(conn)).toEqual(['1', '2', '3', '4', '5', '6', '7']);

      ok(await cliEnv(dir, conn.database, { FLYWAY_MIXED: 'true' }, 'migrate', '--migrations', migrations, '--backup', 'never'));
      expect(await versions(conn)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', 'R__shop_views.sql']);
      expect(await cluster.sql(conn.database, "SELECT indexname FROM pg_indexes WHERE indexname = 'customers_loyalty_idx'")).toEqual([{ indexname: 'customers_loyalty_idx' }]);
    });

    it('ignoreMigrationPatterns and validateOnMigrate: a missing applied version refuses migrate by default, passes with *:missing; an ignored version passes with *:ignored and is still not applied; validateOnMigrate=false skips validation', async () => {
      const conn = await cluster.createDatabase();
      const { dir, migrations } = await project({});
      ok(await cliIn(dir, conn.database, 'migrate', '--to', 'V3__index_orders_customer', '--migrations', migrations, '--backup', 'never'));
      // V2's file is gone (consolidated away), and a V1.5 arrives below the applied head.
      await cp(path.join(migrations, 'V2__add_customer_phone.sql'), path.join(dir, 'V2.keep'));
      await rm(path.join(migrations, 'V2__add_customer_phone.sql'));
      await rm(path.join(migrations, 'U2__add_customer_phone.sql'));
      await writeFile(path.join(migrations, 'V1_5__product_weight.sql'), 'ALTER TABLE products ADD COLUMN weight_grams integer;\n');

      const refused = await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(refused.exitCode).toBe(2);
      const { error } = refused.json<ErrorJson>();
      expect(error.message).toContain("Detected applied migration not resolved locally: 2 (V2__add_customer_phone.sql; Flyway's state: missing, not in ignoreMigrationPatterns *:future)");
      expect(error.message).toContain('Detected resolved migration not applied to database: 1.5');

      // Only the missing one let through: the ignored one still stops migrate.
      const half = await cliEnv(dir, conn.database, { FLYWAY_IGNORE_MIGRATION_PATTERNS: '*:missing' }, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(half.exitCode).toBe(2);
      expect(half.json<ErrorJson>().error.message).not.toContain('not resolved locally');

      await writeFile(path.join(dir, 'flyway.toml'), '[flyway]\nignoreMigrationPatterns = ["*:missing", "versioned:ignored"]\n');
      const status = await cliIn(dir, conn.database, 'status', '--migrations', migrations);
      ok(status);
      expect(status.json<StatusJson>().migrations.find((m) => m.name === 'V1_5__product_weight')!.skippedBy).toBe("below the applied version 3 and outOfOrder is false: Flyway's migrate does not apply it");
      ok(await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never'));
      expect(await versions(conn)).toEqual(['1', '2', '3', '4', '5', '6', '7', 'R__shop_views.sql']);

      // A changed applied script: refused by validate, applied past with validateOnMigrate=false as Flyway does.
      await writeFile(path.join(dir, 'flyway.toml'), '[flyway]\n');
      await writeFile(path.join(migrations, 'V2__add_customer_phone.sql'), (await readFile(path.join(dir, 'V2.keep'), 'utf8')) + '-- edited after it ran\n');
      await writeFile(path.join(migrations, 'V8__customer_note.sql'), 'ALTER TABLE customers ADD COLUMN note text;\n');
      await rm(path.join(migrations, 'V1_5__product_weight.sql'));
      const changed = await cliIn(dir, conn.database, 'migrate', '--migrations', migrations, '--backup', 'never');
      expect(changed.exitCode).toBe(2);
      expect(changed.json<ErrorJson>().error.message).toContain('Migration checksum mismatch for migration version 2');
      const noValidate = await cliEnv(dir, conn.database, { FLYWAY_VALIDATE_ON_MIGRATE: 'false' }, 'migrate', '--migrations', migrations, '--backup', 'never');
      ok(noValidate);
      expect(noValidate.json<{ applied: string[] }>().applied).toEqual(['V8__customer_note']);
    });
  });
});

function ok(run: { exitCode: number; stderr: string; stdout: string }): void {
  expect(run.exitCode, `${run.stderr}\n${run.stdout}`).toBe(0);
}
