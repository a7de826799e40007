/**
 * A first `migrate` whose first migration fails (issue 25, part 8): the
 * message names the failure once ("applying X failed: …", not twice), ends its
 * sentences with one period, and "the database is as it was" is true — the
 * history table the run created is gone.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

const HISTORY = 'public.dbrollback_migrations';

describe('a failed first migrate through the built CLI', () => {
  let cluster: Cluster;
  let project: string;

  beforeAll(async () => {
    cluster = await startCluster({ settings: { wal_level: 'replica' } });
    project = await dirWith({
      // References a table no migration creates: fails on its second statement, inside its transaction.
      '1_create_tables.up.sql': 'CREATE TABLE accounts (id int PRIMARY KEY);\nCREATE TABLE invoices (id int PRIMARY KEY, account_id int REFERENCES customers (id));\n',
      '1_create_tables.down.sql': 'DROP TABLE invoices;\nDROP TABLE accounts;\n',
      '2_more.up.sql': 'CREATE TABLE more (id int);\n',
      '2_more.down.sql': 'DROP TABLE more;\n',
    });
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  const exists = async (database: string, name: string) => (await cluster.sql<{ found: boolean }>(database, 'SELECT to_regclass($1) IS NOT NULL AS found', [name]))[0]!.found;

  it('says "applying 1_create_tables failed:" once, with no double period, and drops the empty history table it created', async () => {
    const { database } = await cluster.createDatabase();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-msg-storage-'));
    const run = await runBuiltCli(['migrate', '--backup', 'never', '--migrations', project, '--database-url', cluster.url(database), '--storage', storage]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('applying 1_create_tables failed: relation "customers" does not exist.');
    expect(run.stderr.match(/applying 1_create_tables failed/g)).toHaveLength(1);
    expect(run.stderr).not.toMatch(/[^.]\.\.(?!\.)/);
    expect(run.stderr).not.toContain('Nothing was applied');
    expect(run.stderr).toContain('This run applied no migration; not applied: 1_create_tables, 2_more.');
    expect(run.stderr).toContain(`The database is as it was before this run. The empty sql history table ${HISTORY} this run had created was dropped.`);
    // As it was: no history table, no table of the failed migration.
    expect(await exists(database, HISTORY)).toBe(false);
    expect(await exists(database, 'public.accounts')).toBe(false);
  });

  it('--json: the same message in error.message and error.hint, once each', async () => {
    const { database } = await cluster.createDatabase();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-msg-storage-'));
    const run = await runBuiltCli(['migrate', '--json', '--backup', 'never', '--migrations', project, '--database-url', cluster.url(database), '--storage', storage]);
    expect(run.exitCode).toBe(1);
    const doc = run.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>();
    expect(doc.error.code).toBe('MIGRATION_FAILED');
    expect(doc.error.message).toMatch(/^applying 1_create_tables failed: relation "customers" does not exist\. This run applied no migration/);
    expect(`${doc.error.message} ${doc.error.hint}`).not.toMatch(/[^.]\.\.(?!\.)/);
    expect(doc.error.hint).toContain('was dropped');
    expect(await exists(database, HISTORY)).toBe(false);
  });

  it('a history table that was there before the run (a migration already applied) is kept, and the hint does not claim otherwise', async () => {
    const { database } = await cluster.createDatabase();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-msg-storage-'));
    const good = await dirWith({ '1_create_tables.up.sql': 'CREATE TABLE accounts (id int PRIMARY KEY);\n', '1_create_tables.down.sql': 'DROP TABLE accounts;\n', '2_more.up.sql': 'CREATE TABLE more (id int REFERENCES nowhere (id));\n', '2_more.down.sql': 'DROP TABLE more;\n' });
    const run = await runBuiltCli(['migrate', '--backup', 'never', '--migrations', good, '--database-url', cluster.url(database), '--storage', storage]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('applying 2_more failed: relation "nowhere" does not exist.');
    expect(run.stderr).not.toContain('dropped');
    expect(await exists(database, HISTORY)).toBe(true);
    expect((await cluster.sql<{ name: string }>(database, `SELECT name FROM ${HISTORY}`)).map((r) => r.name)).toEqual(['1_create_tables']);
  });
});
