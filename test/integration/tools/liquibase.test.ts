/**
 * Liquibase against the real thing: the shop changelog is applied by the
 * real Liquibase 4.28 (the npm package's distribution, on Java) in one
 * database and by dbrollback in another, and DATABASECHANGELOG must come out
 * the same row for row; the real Liquibase then reads what dbrollback wrote
 * (`status`, `validate`). The XML shop runs through the real Liquibase.
 * Each Liquibase call starts a JVM (seconds), so they are few.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { connect } from '../../../src/db/connection.js';
import { acquireLock } from '../../../src/db/lock.js';
import { detectMigrator } from '../../../src/tools/registry.js';
import { createLiquibaseAdapter } from '../../../src/tools/liquibase/run.js';
import { findLiquibase, jdbcUrl, runLiquibase, type LiquibaseProgram } from '../../../src/tools/liquibase/program.js';
import { changeSetChecksum } from '../../../src/tools/liquibase/checksum.js';
import { downOfShape, readChangelogShape } from '../../../src/tools/liquibase/changelog-shape.js';
import { generatedSql } from '../../../src/tools/liquibase/generated-sql.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { copyFixture, FIXTURES, historyLookupIn, rejection, SHOP_NAMES } from './support.js';

const SHOP = path.join(FIXTURES, 'liquibase/shop');
const SHOP_XML = path.join(FIXTURES, 'liquibase/shop-xml');
const TABLE = { schema: 'public', table: 'databasechangelog' };
const JVM = 240_000;

let cluster: Cluster;
let seed: string;
let program: LiquibaseProgram;

beforeAll(async () => {
  cluster = await startCluster();
  seed = await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8');
  const found = await findLiquibase(SHOP);
  if (!found) throw new Error('the liquibase npm package (devDependency) is not installed: run npm ci');
  program = found;
  realShop = await dirWith({});
  await cp(SHOP, realShop, { recursive: true });
  const includes = SHOP_NAMES.map((n) => `  <include file="${n}.sql"/>`).join('\n');
  await writeFile(path.join(realShop, 'master.xml'), `<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.20.xsd">\n${includes}\n</databaseChangeLog>\n`);
});

afterAll(async () => {
  await removeTempDirs();
  await cluster?.stop();
});

const adapterFor = (conn: ConnInfo, dir = SHOP) => createLiquibaseAdapter({ conn, migrationsDir: dir });
/**
 * The real Liquibase on the shop: a copy of the fixture with the root
 * changelog a Liquibase user keeps beside such files (an include per file, in
 * name order), so FILENAME is each file's name, as dbrollback records it.
 */
let realShop: string;
const liquibase = (conn: ConnInfo, command: string, args: string[] = []) => runLiquibase({ program, conn, dir: realShop, changelog: 'master.xml', table: TABLE }, command, args);

const rowsOf = (conn: ConnInfo) =>
  cluster.sql<Record<string, unknown>>(conn.database, 'SELECT * FROM public.databasechangelog ORDER BY dateexecuted, orderexecuted');
const lockOf = (conn: ConnInfo) => cluster.sql<{ id: number; locked: boolean; lockedby: string | null }>(conn.database, 'SELECT id, locked, lockedby FROM public.databasechangeloglock');
const columnsOf = (conn: ConnInfo, table: string) =>
  cluster.sql(conn.database, 'SELECT column_name, data_type, character_maximum_length, is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [table]);

/** A database with the shop applied by dbrollback up to `count`, seeded after 002. */
async function shopByDbrollback(count: number, dir = SHOP): Promise<ConnInfo> {
  const conn = await cluster.createDatabase();
  const adapter = adapterFor(conn, dir);
  await adapter.up(Math.min(count, 2));
  await cluster.sql(conn.database, seed);
  if (count > 2) await adapter.up(count - 2);
  return conn;
}

describe('liquibase: formatted SQL run by dbrollback, checked by the real Liquibase', () => {
  it("writes DATABASECHANGELOG row for row as the real Liquibase does (same tables, MD5SUM, ORDEREXECUTED, one DEPLOYMENT_ID per run)", { timeout: JVM }, async () => {
    const byLiquibase = await cluster.createDatabase();
    await liquibase(byLiquibase, 'update-count', ['--count=2']);
    await cluster.sql(byLiquibase.database, seed);
    await liquibase(byLiquibase, 'update');
    const byDbrollback = await shopByDbrollback(7);

    const [theirs, ours] = [await rowsOf(byLiquibase), await rowsOf(byDbrollback)];
    const comparable = (rows: Array<Record<string, unknown>>) => rows.map(({ dateexecuted: _d, deployment_id: _id, ...rest }) => rest);
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours.map((r) => r.id)).toEqual(SHOP_NAMES);
    expect(ours[0]).toMatchObject({ author: 'shop', filename: '001_create-tables.sql', exectype: 'EXECUTED', description: 'sql', liquibase: '4.28.0', tag: null, contexts: null, labels: null });
    expect(String(ours[0]!.md5sum)).toMatch(/^9:[0-9a-f]{32}$/);
    // Two runs (up 2, then the rest): two deployment ids of ten digits, as Liquibase's two updates made.
    for (const rows of [theirs, ours]) {
      expect(rows.every((r) => /^\d{10}$/.test(String(r.deployment_id)))).toBe(true);
      expect(new Set(rows.map((r) => r.deployment_id)).size).toBe(2);
    }
    expect(Math.abs((ours[0]!.dateexecuted as Date).getTime() - Date.now())).toBeLessThan(120_000);
    expect(await columnsOf(byDbrollback, 'databasechangelog')).toEqual(await columnsOf(byLiquibase, 'databasechangelog'));
    expect(await columnsOf(byDbrollback, 'databasechangeloglock')).toEqual(await columnsOf(byLiquibase, 'databasechangeloglock'));
    expect(await lockOf(byDbrollback)).toEqual(await lockOf(byLiquibase));
    // The schema the two made is the same too.
    const tables = (conn: ConnInfo) => cluster.sql(conn.database, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'databasechangelog%' ORDER BY 1, 2");
    expect(await tables(byDbrollback)).toEqual(await tables(byLiquibase));
  });

  it('the real Liquibase reads what dbrollback wrote: validate passes, status is up to date, and after an undo it lists what dbrollback undid', { timeout: JVM }, async () => {
    const conn = await shopByDbrollback(6);
    await liquibase(conn, 'validate');
    const upToDate = await liquibase(conn, 'status', ['--verbose']);
    expect(upToDate.stdout).toMatch(/1 changesets? ha(s|ve) not been applied/);
    expect(upToDate.stdout).toContain('007_collapse-order-statuses.sql::007_collapse-order-statuses::shop');

    const result = await adapterFor(conn).down({ count: 2 });
    expect(result.headAfter).toBe('004_rename-order-note');
    const after = await liquibase(conn, 'status', ['--verbose']);
    expect(after.stdout).toMatch(/3 changesets have not been applied/);
    for (const id of SHOP_NAMES.slice(4)) expect(after.stdout).toContain(`${id}.sql::${id}::shop`);
  });

  it('status lists every changeset with its down kind, reads the table without creating it, and names the ran ones with their DATEEXECUTED', async () => {
    const empty = await cluster.createDatabase();
    const status = await adapterFor(empty).status();
    expect(status.migrator).toBe('liquibase');
    expect(status.pending.map((m) => [m.name, m.down])).toEqual([...SHOP_NAMES.slice(0, 6).map((n) => [n, 'yes']), ['007_collapse-order-statuses', 'missing']]);
    expect(await cluster.sql(empty.database, "SELECT to_regclass('public.databasechangelog') AS t")).toEqual([{ t: null }]);

    const conn = await shopByDbrollback(3);
    const applied = (await adapterFor(conn).status()).applied;
    expect(applied.map((m) => m.name)).toEqual(SHOP_NAMES.slice(0, 3));
    expect(applied.every((m) => m.appliedAt instanceof Date)).toBe(true);
  });

  it('down runs the rollbacks newest first: one transaction when every changeset allows it, per changeset when one is runInTransaction:false', async () => {
    const conn = await shopByDbrollback(6);
    const single = await adapterFor(conn).down({ count: 2 });
    expect(single).toMatchObject({ singleTransaction: true, headAfter: '004_rename-order-note' });
    const perChangeset = await adapterFor(conn).down({ to: '002_add-customer-phone' });
    expect(perChangeset.singleTransaction).toBe(false);
    expect(perChangeset.steps.map((s) => [s.name, s.status])).toEqual([
      ['004_rename-order-note', 'success'],
      ['003_index-orders-customer', 'success'],
    ]);
    expect((await rowsOf(conn)).map((r) => r.id)).toEqual(SHOP_NAMES.slice(0, 2));
    expect(await cluster.sql(conn.database, "SELECT to_regclass('orders_customer_id_idx') AS i")).toEqual([{ i: null }]);
    expect(await lockOf(conn)).toEqual([{ id: 1, locked: false, lockedby: null }]);
  });

  it('refuses to undo a changeset without --rollback before touching anything (IRREVERSIBLE)', async () => {
    const conn = await shopByDbrollback(7);
    const before = await rowsOf(conn);
    const err = await rejection(adapterFor(conn).down({ count: 2 }));
    expect(err.code).toBe('IRREVERSIBLE');
    expect(err.message).toContain('007_collapse-order-statuses');
    expect(await rowsOf(conn)).toEqual(before);
  });

  it('a failing rollback in per-changeset mode leaves the database at the last fully undone changeset and says so', async () => {
    const { dir, cleanup } = await copyFixture('liquibase/shop');
    try {
      const conn = await shopByDbrollback(5, dir);
      const file = path.join(dir, '002_add-customer-phone.sql');
      // Break 002's rollback after it ran (the rollback is not in the checksum).
      await writeFile(file, (await readFile(file, 'utf8')).replace('--rollback ALTER TABLE customers DROP COLUMN phone;', '--rollback ALTER TABLE customers DROP COLUMN no_such_column;'));
      const err = await rejection(adapterFor(conn, dir).down({ count: 4 }));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('down migration 002_add-customer-phone failed');
      expect(err.message).toContain('The database is at 002_add-customer-phone');
      expect((await rowsOf(conn)).map((r) => r.id)).toEqual(SHOP_NAMES.slice(0, 2));
      expect(await lockOf(conn)).toEqual([{ id: 1, locked: false, lockedby: null }]);
    } finally {
      await cleanup();
    }
  });

  it('refuses a changelog whose ran SQL changed (as Liquibase validate does) unless a validCheckSum allows it', async () => {
    const { dir, cleanup } = await copyFixture('liquibase/shop');
    try {
      const conn = await shopByDbrollback(2, dir);
      const file = path.join(dir, '002_add-customer-phone.sql');
      const original = await readFile(file, 'utf8');
      await writeFile(file, original.replace('ADD COLUMN phone text;', 'ADD COLUMN phone varchar(40);'));
      const err = await rejection(adapterFor(conn, dir).up());
      expect(err.code).toBe('MIGRATIONS_INVALID');
      expect(err.message).toContain('002_add-customer-phone');
      expect(err.message).toContain(changeSetChecksum('ALTER TABLE customers ADD COLUMN phone varchar(40);'));
      expect((await rowsOf(conn)).length).toBe(2);
      // Whitespace is not part of the checksum; a validCheckSum line accepts the edit.
      await writeFile(file, original.replace('ADD COLUMN phone text;', 'ADD COLUMN phone varchar(40);').replace('--changeset shop:002_add-customer-phone\n', '--changeset shop:002_add-customer-phone\n--validCheckSum: ANY\n'));
      expect(await adapterFor(conn, dir).up(1)).toEqual(['003_index-orders-customer']);
    } finally {
      await cleanup();
    }
  });

  it('never acts while DATABASECHANGELOGLOCK is set: status names the holder, up/down and dbrollback\'s lock refuse, nothing changes', async () => {
    const conn = await shopByDbrollback(3);
    await cluster.sql(conn.database, "UPDATE public.databasechangeloglock SET locked = TRUE, lockedby = 'ci-runner (10.0.0.7)', lockgranted = now() WHERE id = 1");
    const adapter = adapterFor(conn);
    expect((await adapter.status()).lockHolder?.description).toContain('ci-runner (10.0.0.7)');
    const downErr = await rejection(adapter.down({ count: 1 }));
    expect(downErr.code).toBe('LOCK_HELD');
    expect(downErr.message).toContain('ci-runner (10.0.0.7)');
    expect(downErr.hint).toContain('liquibase release-locks');
    expect((await rejection(adapter.up())).code).toBe('LOCK_HELD');
    const db = await connect(conn);
    try {
      const refused = await rejection(acquireLock(db, adapter.toolLocks));
      expect(refused.message).toContain('Liquibase is running against this database');
    } finally {
      await db.end();
    }
    expect((await rowsOf(conn)).map((r) => r.id)).toEqual(SHOP_NAMES.slice(0, 3));
  });

  it('--to a TAG (as `liquibase tag` sets it) keeps the tagged changeset and undoes the later ones', async () => {
    const conn = await shopByDbrollback(5);
    // What `liquibase tag release-1` does: tag the newest row.
    await cluster.sql(conn.database, "UPDATE public.databasechangelog SET tag = 'release-1' WHERE id = '003_index-orders-customer'");
    const adapter = adapterFor(conn);
    expect((await adapter.select({ to: 'release-1' })).map((m) => m.name)).toEqual(['005_drop-customer-legacy-code', '004_rename-order-note']);
    const result = await adapter.down({ to: 'release-1' });
    expect(result.headAfter).toBe('003_index-orders-customer');
  });

  it('runOnChange: a changed changeset runs again and its row becomes RERAN; a runAlways one runs every update', async () => {
    const dir = await dirWith({
      'changelog.sql': '--liquibase formatted sql\n\n--changeset ops:view runOnChange:true\nCREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n--rollback DROP VIEW v;\n\n--changeset ops:stamp runAlways:true\nCREATE TABLE IF NOT EXISTS stamp (t timestamptz);\n--rollback DROP TABLE stamp;\n',
    });
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn, dir);
    expect(await adapter.up()).toEqual(['view', 'stamp']);
    expect(await adapter.up()).toEqual(['stamp']);
    await writeFile(path.join(dir, 'changelog.sql'), (await readFile(path.join(dir, 'changelog.sql'), 'utf8')).replace('SELECT 1 AS x', 'SELECT 2 AS x'));
    expect(await adapter.up()).toEqual(['view', 'stamp']);
    const rows = await rowsOf(conn);
    expect(rows.map((r) => [r.id, r.exectype])).toEqual([
      ['view', 'RERAN'],
      ['stamp', 'RERAN'],
    ]);
    expect(rows[0]!.md5sum).toBe(changeSetChecksum('CREATE OR REPLACE VIEW v AS SELECT 2 AS x;'));
  });

  it('a runOnChange changeset whose SQL changed is pending again in status, in changelog order, as Liquibase\'s status lists it (was: not pending, so migrate said "nothing pending", or expected the next changeset while up ran the view)', async () => {
    const file = '--liquibase formatted sql\n\n--changeset ops:view runOnChange:true\nCREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n--rollback DROP VIEW v;\n\n--changeset ops:t\nCREATE TABLE t (id int);\n--rollback DROP TABLE t;\n';
    const dir = await dirWith({ 'changelog.sql': file });
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn, dir);
    expect(await adapter.up()).toEqual(['view', 't']);
    expect((await adapter.status()).pending).toEqual([]);
    await writeFile(path.join(dir, 'changelog.sql'), `${file.replace('SELECT 1 AS x', 'SELECT 1 AS x, 2 AS y')}\n--changeset ops:u\nCREATE TABLE u (id int);\n--rollback DROP TABLE u;\n`);
    const status = await adapter.status();
    expect(status.pending.map((m) => m.name)).toEqual(['view', 'u']);
    expect(status.applied.map((m) => m.name)).toEqual(['view', 't']);
    expect(await adapter.up(1)).toEqual(['view']);
    const after = await adapter.status();
    expect(after.head).toBe('view');
    expect(after.pending.map((m) => m.name)).toEqual(['u']);
    expect((await rowsOf(conn)).map((r) => [r.id, r.exectype])).toEqual([
      ['t', 'EXECUTED'],
      ['view', 'RERAN'],
    ]);
  });

  it("adopts the FILENAME the team's Liquibase recorded (run from the repository root as db/changelog/…): nothing seen twice, new rows under the same path", async () => {
    const conn = await shopByDbrollback(2);
    await cluster.sql(conn.database, "UPDATE public.databasechangelog SET filename = 'db/changelog/' || filename");
    const adapter = adapterFor(conn);
    const status = await adapter.status();
    expect(status.applied.map((m) => m.name)).toEqual(SHOP_NAMES.slice(0, 2));
    expect(status.pending.map((m) => m.name)).toEqual(SHOP_NAMES.slice(2));
    expect(await adapter.up(1)).toEqual(['003_index-orders-customer']);
    expect((await rowsOf(conn)).map((r) => r.filename)).toEqual(['db/changelog/001_create-tables.sql', 'db/changelog/002_add-customer-phone.sql', 'db/changelog/003_index-orders-customer.sql']);
    expect((await adapter.down({ count: 2 })).headAfter).toBe('001_create-tables');
  });

  it('the JDBC URL carries no password (it travels in LIQUIBASE_COMMAND_PASSWORD) and carries the lock_timeout', () => {
    const url = jdbcUrl({ host: '127.0.0.1', port: 5432, user: 'shop', password: 's3cret-pw', database: 'shop', sslmode: 'require', applicationName: 'dbrollback' }, 5000);
    expect(url).not.toContain('s3cret');
    expect(url).toBe('jdbc:postgresql://127.0.0.1:5432/shop?sslmode=require&ApplicationName=dbrollback&options=-c%20lock_timeout%3D5000');
  });
});

describe('liquibase: XML changelogs through the real Liquibase', () => {
  it('--to a tag a tagDatabase changeset set undoes that changeset too, as Liquibase\'s rollback --tag does (was: selected without it, so Liquibase undid one more than planned and verify failed on the head)', { timeout: JVM * 2 }, async () => {
    const table = (name: string) => `[{ createTable: { tableName: ${name}, columns: [{ column: { name: id, type: int } }] } }]`;
    const dir = await dirWith({
      'db.changelog-master.yaml': [
        'databaseChangeLog:',
        `  - changeSet: { id: one, author: a, changes: ${table('one')} }`,
        '  - changeSet: { id: release, author: a, changes: [{ tagDatabase: { tag: v1 } }] }',
        `  - changeSet: { id: two, author: a, changes: ${table('two')} }`,
        '',
      ].join('\n'),
    });
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn, dir);
    expect(await adapter.up()).toEqual(['one', 'release', 'two']);
    expect((await adapter.select({ to: 'v1' })).map((m) => m.name)).toEqual(['two', 'release']);
    const result = await adapter.down({ to: 'v1' });
    expect(result.headAfter).toBe('one');
    expect((await rowsOf(conn)).map((r) => r.id)).toEqual(['one']);
  });

  it('up, status, a refused irreversible undo and an undo by rollback-count, all through Liquibase', { timeout: JVM * 2 }, async () => {
    const conn = await cluster.createDatabase();
    const adapter = adapterFor(conn, SHOP_XML);
    expect(await adapter.up(2)).toEqual(SHOP_NAMES.slice(0, 2));
    await cluster.sql(conn.database, seed);
    expect(await adapter.up()).toEqual(SHOP_NAMES.slice(2));
    const rows = await rowsOf(conn);
    expect(rows.map((r) => [r.id, r.filename])).toEqual(SHOP_NAMES.map((n) => [n, 'db.changelog-master.xml']));

    const before = await rowsOf(conn);
    const refused = await rejection(createLiquibaseAdapter({ conn, migrationsDir: SHOP_XML }).down({ count: 1 }));
    expect(refused.code).toBe('IRREVERSIBLE');
    expect(await rowsOf(conn)).toEqual(before);

    // Undo 006 and 005 (after un-applying 007 by hand: the rows below it stay Liquibase's).
    await cluster.sql(conn.database, "DELETE FROM public.databasechangelog WHERE id = '007_collapse-order-statuses'");
    const fresh = createLiquibaseAdapter({ conn, migrationsDir: SHOP_XML });
    const result = await fresh.down({ count: 2 });
    expect(result.headAfter).toBe('004_rename-order-note');
    const status = await fresh.status();
    expect(status.pending.map((m) => m.name)).toEqual(SHOP_NAMES.slice(4));
    expect(await cluster.sql(conn.database, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'legacy_code'")).toEqual([{ n: 1 }]);

    // What plan and --dry-run show: the SQL Liquibase generates (rollback-count-sql, update-sql).
    const down = await fresh.sqlOf('004_rename-order-note', 'down');
    expect(down).toMatchObject({ source: 'generated', note: null });
    expect(down.sql).toContain('RENAME COLUMN customer_note TO note');
    const up = await fresh.sqlOf('005_drop-customer-legacy-code', 'up');
    expect(up.sql).toContain('DROP COLUMN legacy_code');
    expect(up.sql).not.toMatch(/databasechangelog/i);
  });
});

describe('liquibase: what the changelog says of each way back agrees with what the real Liquibase does', () => {
  it('an own rollback (SQL, a changeSetId reference, empty) and invertible changes are rolled back; a dropTable, insert or sql without one is refused, in one scratch database, then from the cache', { timeout: JVM * 2 }, async () => {
    const dir = await dirWith({
      'master.xml': `<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.20.xsd">
  <changeSet id="create-t" author="ops"><createTable tableName="t"><column name="id" type="int"><constraints primaryKey="true"/></column><column name="u_id" type="int"/></createTable></changeSet>
  <changeSet id="create-u" author="ops"><sql>CREATE TABLE u (id int PRIMARY KEY)</sql><rollback>DROP TABLE u</rollback></changeSet>
  <changeSet id="link" author="ops"><createIndex tableName="t" indexName="t_u_idx"><column name="u_id"/></createIndex><addForeignKeyConstraint baseTableName="t" baseColumnNames="u_id" referencedTableName="u" referencedColumnNames="id" constraintName="t_u_fk"/></changeSet>
  <changeSet id="seed" author="ops"><insert tableName="u"><column name="id" valueNumeric="1"/></insert></changeSet>
  <changeSet id="noop-back" author="ops"><sql>ANALYZE t</sql><rollback/></changeSet>
  <changeSet id="drop-u2" author="ops"><dropTable tableName="t"/><rollback changeSetId="create-t" changeSetAuthor="ops"/></changeSet>
  <changeSet id="drop-u" author="ops"><dropTable tableName="u"/></changeSet>
  <changeSet id="raw" author="ops"><sql>SELECT 1</sql></changeSet>
</databaseChangeLog>
`,
    });
    const shape = await readChangelogShape(dir, 'master.xml');
    const cacheDir = await dirWith({});
    const request = { program, dir, changelog: 'master.xml', table: TABLE, scratch: { server: cluster.conn('postgres') }, cacheDir };
    const generated = await generatedSql(request);
    const ids = shape.changeSets.map((c) => c.id);
    expect([...generated.changeSets.keys()]).toEqual(ids.map((id) => `master.xml::${id}::ops`));
    // The shape's verdict and Liquibase's, changeset by changeset.
    const verdicts = shape.changeSets.map((c) => [c.id, downOfShape(c).down, generated.changeSets.get(`master.xml::${c.id}::ops`)!.down !== null]);
    expect(verdicts).toEqual([
      ['create-t', 'inferred', true],
      ['create-u', 'yes', true],
      ['link', 'inferred', true],
      ['seed', 'missing', false],
      ['noop-back', 'yes', true],
      ['drop-u2', 'yes', true],
      ['drop-u', 'missing', false],
      ['raw', 'missing', false],
    ]);
    const of = (id: string) => generated.changeSets.get(`master.xml::${id}::ops`)!;
    expect(of('link').down).toMatch(/DROP CONSTRAINT t_u_fk;[\s\S]*DROP INDEX public\.t_u_idx/);
    expect(of('noop-back').down).toBe('');
    // A rollback naming another changeset runs that changeset's changes.
    expect(of('drop-u2').down).toMatch(/CREATE TABLE public\.t/);
    expect(of('raw').refused).toContain('No inverse to liquibase.change.core.RawSQLChange');
    expect(of('seed').up).toMatch(/INSERT INTO public\.u/);
    // One JVM for the ups, one per refusal, one for the rest; nothing of Liquibase's own bookkeeping in the SQL.
    expect(generated.jvmRuns).toBe(5);
    expect([...generated.changeSets.values()].map((g) => `${g.up}\n${g.down ?? ''}`).join('\n')).not.toMatch(/databasechangelog|SET SEARCH_PATH/i);
    const again = await generatedSql(request);
    expect(again.jvmRuns).toBe(0);
    expect([...again.changeSets]).toEqual([...generated.changeSets]);
  });
});

describe('liquibase: detection', () => {
  it('is detected from a formatted SQL changelog or an XML changelog, and from databasechangelog in the database', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: SHOP, configModule: undefined })).toBe('liquibase');
    expect(await detectMigrator({ migrator: undefined, migrationsDir: SHOP_XML, configModule: undefined })).toBe('liquibase');
    const conn = await cluster.createDatabase();
    await adapterFor(conn).up(1);
    const empty = await dirWith({ 'README.md': 'no migrations here' });
    const lookup = historyLookupIn(cluster, conn.database);
    expect(await detectMigrator({ migrator: undefined, migrationsDir: empty, configModule: undefined }, { history: lookup })).toBe('liquibase');
  });

  it('a folder holding a formatted SQL changelog and plain .up.sql files is refused naming both tools', async () => {
    const dir = await dirWith({
      'changelog.sql': '--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n',
      '001_init.up.sql': 'SELECT 1;',
    });
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(err.message).toContain('liquibase (');
    expect(err.message).toContain('sql (');
  });
});
