/**
 * The head a nightly backup records, read from the history table alone
 * (headFromHistoryTables over every registered tool), on histories the
 * contract's straight runs do not make: Flyway's undone versions, failed
 * rows, repeatables and baseline — compared with what its adapter reports
 * with the files —, golang-migrate's dirty row, Liquibase changesets sharing
 * an ID, a Sqitch registry of two projects, umzug's SequelizeMeta. Each
 * table is written as its tool writes it, on a real cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/connection.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { TOOLS } from '../../../src/tools/registry.js';
import { headFromHistoryTables } from '../../../src/tools/head-from-history.js';
import { flywayChecksum } from '../../../src/tools/flyway/checksum.js';
import { addRow, createTable as createFlywayTable } from '../../../src/tools/flyway/history.js';
import { createFlywayAdapter } from '../../../src/tools/flyway/run.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
  await removeTempDirs();
});

async function headOf(conn: ConnInfo, settings: { migrationsTable?: string; migrationsSchema?: string } = {}) {
  const db = await connect(conn);
  try {
    return await headFromHistoryTables(db, TOOLS, { migrationsTable: settings.migrationsTable, migrationsSchema: settings.migrationsSchema });
  } finally {
    await db.end();
  }
}

describe('Flyway', () => {
  const files: Record<string, string> = {
    'V1__create_accounts.sql': 'CREATE TABLE accounts (id int);\n',
    'V2__add_plan.sql': 'ALTER TABLE accounts ADD COLUMN plan text;\n',
    'U2__add_plan.sql': 'ALTER TABLE accounts DROP COLUMN plan;\n',
    'V3__add_note.sql': 'ALTER TABLE accounts ADD COLUMN note text;\n',
    'U3__add_note.sql': 'ALTER TABLE accounts DROP COLUMN note;\n',
    'R__accounts_view.sql': 'CREATE OR REPLACE VIEW accounts_view AS SELECT id FROM accounts;\n',
  };
  const row = (script: string, type: 'SQL' | 'UNDO_SQL', success = true) => {
    const [, version, description] = /^[VUR](.*?)__(.*)\.sql$/.exec(script)!;
    return { version: version === '' ? null : version!, description: description!.replace(/_/g, ' '), type, script, checksum: flywayChecksum(files[script]!), installedBy: 'test', executionTime: 1, success };
  };

  it('the last applied entry by rank: an undone version is not the head, a failed row counts for nothing, a repeatable counts where it last ran; the same head as the adapter reports with the files', async () => {
    const conn = await cluster.createDatabase();
    const dir = await dirWith(files);
    const db = await connect(conn);
    const t = { schema: 'public', table: 'flyway_schema_history' };
    const adapterHead = async () => {
      const adapter = createFlywayAdapter({ conn, migrationsDir: dir });
      try {
        return (await adapter.status()).head;
      } finally {
        await adapter.close();
      }
    };
    try {
      await createFlywayTable(db, t);
      for (const r of [row('V1__create_accounts.sql', 'SQL'), row('V2__add_plan.sql', 'SQL'), row('V3__add_note.sql', 'SQL'), row('U3__add_note.sql', 'UNDO_SQL')]) await addRow(db, t, r);
      // V3 undone: V2 is the head, as Flyway's info says.
      expect(await headOf(conn)).toEqual({ configured: true, head: 'V2__add_plan', migrator: 'flyway', from: 'public.flyway_schema_history' });
      expect(await adapterHead()).toBe('V2__add_plan');

      await addRow(db, t, row('R__accounts_view.sql', 'SQL'));
      await addRow(db, t, { ...row('V3__add_note.sql', 'SQL'), success: false });
      const read = await headOf(conn);
      expect(read).toMatchObject({ configured: true, head: 'R__accounts_view' });
      expect(await adapterHead()).toBe('R__accounts_view');

      await db.query('DELETE FROM flyway_schema_history WHERE success = false');
      await addRow(db, t, row('V3__add_note.sql', 'SQL'));
      expect(await headOf(conn)).toMatchObject({ configured: true, head: 'V3__add_note' });
      expect(await adapterHead()).toBe('V3__add_note');
    } finally {
      await db.end();
    }
  });

  it('a head that is the baseline names none, and says why', async () => {
    const conn = await cluster.createDatabase();
    const db = await connect(conn);
    try {
      await createFlywayTable(db, { schema: 'public', table: 'flyway_schema_history' });
      await db.query(`INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'test', 0, true)`);
    } finally {
      await db.end();
    }
    const read = await headOf(conn);
    expect(read.configured).toBe(false);
    expect(read.configured === false && read.reason).toMatch(/but its head is Flyway's baseline \(version 1\), which is named by the migration file of that version when there is one: pass --migrations DIR$/);
  });
});

describe('golang-migrate', () => {
  it('a clean row: no name, its version kept; a dirty row: neither, and why', async () => {
    const conn = await cluster.createDatabase();
    await cluster.sql(conn.database, 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (12, false)');
    expect(await headOf(conn)).toMatchObject({ configured: false, version: { migrator: 'golang-migrate', version: '12' } });
    await cluster.sql(conn.database, 'UPDATE schema_migrations SET dirty = true');
    const dirty = await headOf(conn);
    expect(dirty).not.toHaveProperty('version');
    expect(dirty.configured === false && dirty.reason).toContain("golang-migrate's history table public.schema_migrations, but it is dirty at version 12 (a golang-migrate run failed or was interrupted there");
  });
});

describe('Liquibase', () => {
  it('the changeset run last, by its ID — by its identity when another changeset that ran shares the ID, as the adapter names it', async () => {
    const conn = await cluster.createDatabase();
    await cluster.sql(
      conn.database,
      `CREATE TABLE databasechangelog (id varchar(255) NOT NULL, author varchar(255) NOT NULL, filename varchar(255) NOT NULL, dateexecuted timestamp NOT NULL,
         orderexecuted int NOT NULL, exectype varchar(10) NOT NULL, md5sum varchar(35), description varchar(255), comments varchar(255), tag varchar(255),
         liquibase varchar(20), contexts varchar(255), labels varchar(255), deployment_id varchar(10));
       INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum) VALUES
         ('create-accounts', 'ana', 'changelog/001.sql', '2026-01-01 10:00:00', 1, 'EXECUTED', '9:a'),
         ('add-plan', 'ana', 'changelog/002.sql', '2026-01-01 10:00:00', 2, 'EXECUTED', '9:b')`,
    );
    expect(await headOf(conn)).toMatchObject({ configured: true, head: 'add-plan', migrator: 'liquibase' });
    await cluster.sql(conn.database, "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum) VALUES ('add-plan', 'bo', 'changelog/003.sql', '2026-01-02 09:00:00', 3, 'EXECUTED', '9:c')");
    expect(await headOf(conn)).toMatchObject({ configured: true, head: 'changelog/003.sql::add-plan::bo' });
  });
});

describe('Sqitch', () => {
  const registry = `CREATE SCHEMA sqitch;
    CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, script_hash text, change text NOT NULL, project text NOT NULL, note text NOT NULL DEFAULT '', committed_at timestamptz NOT NULL);
    CREATE TABLE sqitch.tags (tag_id text PRIMARY KEY, tag text NOT NULL, project text NOT NULL, change_id text NOT NULL, committed_at timestamptz NOT NULL);`;

  it('the last change deployed of the one project; a registry of two projects names none', async () => {
    const conn = await cluster.createDatabase();
    await cluster.sql(conn.database, `${registry}
      INSERT INTO sqitch.changes (change_id, script_hash, change, project, committed_at) VALUES
        ('a1', 'h1', 'accounts', 'shop', '2026-01-01 10:00:00+00'), ('a2', 'h2', 'plans', 'shop', '2026-01-01 10:00:01+00')`);
    expect(await headOf(conn)).toMatchObject({ configured: true, head: 'plans', migrator: 'sqitch' });
    await cluster.sql(conn.database, "INSERT INTO sqitch.changes (change_id, script_hash, change, project, committed_at) VALUES ('b1', 'h3', 'ledger', 'billing', '2026-01-01 11:00:00+00')");
    const two = await headOf(conn);
    expect(two.configured === false && two.reason).toContain('it holds the changes of several Sqitch projects (billing, shop), and the project is named by its sqitch.plan');
  });
});

describe('umzug', () => {
  it("SequelizeMeta: nothing applied is no head; names in no order name none, and say why", async () => {
    const conn = await cluster.createDatabase();
    await cluster.sql(conn.database, 'CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY)');
    expect(await headOf(conn)).toMatchObject({ configured: true, head: null, migrator: 'umzug' });
    await cluster.sql(conn.database, `INSERT INTO "SequelizeMeta" VALUES ('20240102-add-plan.js'), ('20240101-create-accounts.js')`);
    const read = await headOf(conn);
    expect(read.configured === false && read.reason).toContain("umzug's SequelizeMeta records the names executed, in no order");
  });
});

describe('Drizzle', () => {
  it('hashes and journal times name no head, and say why', async () => {
    const conn = await cluster.createDatabase();
    await cluster.sql(conn.database, "CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint); INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('abc', 1704067200000)");
    const read = await headOf(conn);
    expect(read.configured === false && read.reason).toContain("drizzle-orm records each migration's hash and its journal time (created_at), not its name");
  });
});
