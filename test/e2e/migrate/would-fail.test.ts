/**
 * migrate refuses, before it applies anything, a pending up that rows the
 * database holds now would stop partway: NOT NULL over NULLs, a UNIQUE index
 * CONCURRENTLY over duplicates (outside a transaction: it would leave an
 * INVALID index behind), a narrower varchar. Exit 4, MIGRATION_WOULD_FAIL,
 * the rows named, the history untouched; so is a unique index on an
 * expression or with a WHERE, and a FOREIGN KEY to the referenced table's
 * primary key. An up that corrects the rows first,
 * or an idempotent ADD COLUMN IF NOT EXISTS of a column there already, is
 * applied (an index IF NOT EXISTS: test/e2e/migrate/invalid-index.test.ts).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

describe('migrate and the rows a pending migration would reject', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  /** A database with customers already there, two of them without an email and two sharing a code. */
  async function customers(): Promise<{ database: string; url: string }> {
    const { database } = await cluster.createDatabase();
    await cluster.sql(database, "CREATE TABLE customers (id int PRIMARY KEY, email text, code varchar(20), name varchar(200)); INSERT INTO customers VALUES (1, 'a@x', 'A', 'Ann'), (2, NULL, 'B', 'Bob'), (3, NULL, 'B', 'Cy')");
    return { database, url: cluster.url(database) };
  }

  async function migrate(url: string, files: Record<string, string>) {
    const project = await dirWith(files);
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-would-fail-storage-'));
    return runBuiltCli(['migrate', '--migrations', project, '--migrator', 'sql', '--database-url', url, '--storage', storage, '--json']);
  }

  it('refuses NOT NULL over NULLs and a unique CONCURRENTLY build over duplicates: exit 4, nothing applied', async () => {
    const { database, url } = await customers();
    const run = await migrate(url, {
      '001_email-required.up.sql': 'ALTER TABLE customers ALTER COLUMN email SET NOT NULL;\n',
      '001_email-required.down.sql': 'ALTER TABLE customers ALTER COLUMN email DROP NOT NULL;\n',
      '002_code-unique.up.sql': 'CREATE UNIQUE INDEX CONCURRENTLY customers_code ON customers (code);\n',
      '002_code-unique.down.sql': 'DROP INDEX CONCURRENTLY customers_code;\n',
    });
    expect(run.exitCode, run.stderr).toBe(4);
    const error = run.json<{ error: { code: string; message: string; hint: string } }>().error;
    expect(error.code).toBe('MIGRATION_WOULD_FAIL');
    expect(error.message).toContain('001_email-required (line 1): it adds NOT NULL on email to public.customers, and 2 rows of public.customers hold NULL there (email = NULL; email = NULL)');
    expect(error.message).toContain("002_code-unique (line 1): it adds UNIQUE index customers_code to public.customers, and 1 key value of public.customers is held by more than one row (code = 'B')");
    expect(error.hint).toContain('Nothing was applied.');
    expect(await cluster.sql(database, "SELECT to_regclass('public.dbrollback_migrations') AS t")).toEqual([{ t: null }]);
    expect(await cluster.sql(database, "SELECT to_regclass('public.customers_code') AS t")).toEqual([{ t: null }]);
  });

  it('refuses a unique index on lower(email), a partial one over live duplicates, and a FOREIGN KEY to the primary key (no column list) over orphans', async () => {
    const { database } = await cluster.createDatabase();
    await cluster.sql(
      database,
      "CREATE TABLE accounts (id int PRIMARY KEY, email text, closed boolean NOT NULL DEFAULT false); INSERT INTO accounts VALUES (1, 'a@x', false), (2, 'A@x', true), (3, 'b@x', false), (4, 'b@x', false); CREATE TABLE logins (account int)",
    );
    await cluster.sql(database, 'INSERT INTO logins VALUES (1), (9)');
    const url = cluster.url(database);
    const run = await migrate(url, {
      '001_email-lower.up.sql': 'CREATE UNIQUE INDEX CONCURRENTLY accounts_email_lower ON accounts ((lower(email)));\n',
      '001_email-lower.down.sql': 'DROP INDEX CONCURRENTLY accounts_email_lower;\n',
      '002_email-open.up.sql': 'CREATE UNIQUE INDEX accounts_email_open ON accounts (email) WHERE NOT closed;\n',
      '002_email-open.down.sql': 'DROP INDEX accounts_email_open;\n',
      '003_login-account.up.sql': 'ALTER TABLE logins ADD CONSTRAINT logins_account_fkey FOREIGN KEY (account) REFERENCES accounts;\n',
      '003_login-account.down.sql': 'ALTER TABLE logins DROP CONSTRAINT logins_account_fkey;\n',
    });
    expect(run.exitCode, run.stderr).toBe(4);
    const error = run.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toBe('MIGRATION_WOULD_FAIL');
    expect(error.message).toMatch(/001_email-lower \(line 1\): it adds UNIQUE index accounts_email_lower to public\.accounts, and 2 key values of public\.accounts are held by more than one row \(lower\(email\) = '(a|b)@x'; lower\(email\) = '(a|b)@x'\)/);
    expect(error.message).toContain("002_email-open (line 1): it adds UNIQUE index accounts_email_open to public.accounts, and 1 key value of public.accounts is held by more than one row (email = 'b@x')");
    expect(error.message).toContain('003_login-account (line 1): it adds FOREIGN KEY logins_account_fkey to public.logins, and 1 row of public.logins points at no row of the referenced table (account = 9)');
    expect(await cluster.sql(database, "SELECT to_regclass('public.accounts_email_lower') AS t")).toEqual([{ t: null }]);
  });

  it('applies an up that corrects the rows before it constrains them, and an ADD COLUMN IF NOT EXISTS of a column already there', async () => {
    const { url } = await customers();
    const run = await migrate(url, {
      '001_email-required.up.sql': "UPDATE customers SET email = 'unknown@example.invalid' WHERE email IS NULL;\nALTER TABLE customers ALTER COLUMN email SET NOT NULL;\n",
      '001_email-required.down.sql': 'ALTER TABLE customers ALTER COLUMN email DROP NOT NULL;\n',
      // Written to be run again: the column is there, so nothing is added and no row is checked.
      '002_name-required.up.sql': 'ALTER TABLE customers ADD COLUMN IF NOT EXISTS name varchar(200) NOT NULL;\n',
      '002_name-required.down.sql': 'SELECT 1;\n',
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<{ applied: string[] }>().applied).toEqual(['001_email-required', '002_name-required']);
  });
});
