/**
 * Detection without --migrator through the built CLI, with a real database:
 * a folder matching two tools is refused naming both, until the history
 * table in the database names one; an unknown folder is told by the table.
 */
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/connection.js';
import { findHistoryTables } from '../../../src/tools/detect.js';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES } from './support.js';


interface ErrorJson {
  ok: false;
  error: { code: string; message: string; hint: string };
}

describe('detection by files and history table (built CLI, real database)', () => {
  let cluster: Cluster;
  let mixed: string;
  beforeAll(async () => {
    cluster = await startCluster();
    // The sql shop, plus a JavaScript file: the folder matches sql and node-pg-migrate.
    mixed = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-detect-mixed-'));
    for (const name of await readdir(path.join(FIXTURES, 'sql', 'shop'))) await copyFile(path.join(FIXTURES, 'sql', 'shop', name), path.join(mixed, name));
    await writeFile(path.join(mixed, 'seed-helper.js'), 'export const rows = 3;\n');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a folder that matches two tools is refused (exit 2, nothing created) naming both and the --migrator values', async () => {
    const { database } = await cluster.createDatabase();
    const status = await runBuiltCli(['status', '--migrations', mixed, '--database-url', cluster.url(database), '--json']);
    expect(status.exitCode).toBe(2);
    const { error } = status.json<ErrorJson>();
    expect(error.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(error.message).toContain('node-pg-migrate (the directory holds JS/TS migration files (seed-helper.js))');
    expect(error.message).toContain('sql (the directory holds *.up.sql / *.down.sql files');
    expect(error.message).toContain('the database holds the history table of none of them');
    expect(error.hint).toContain('--migrator node-pg-migrate or --migrator sql');
    const tables = await cluster.sql<{ n: string }>(database, "SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public'");
    expect(tables[0]!.n).toBe('0');
  });

  it('the history table in the database decides: once sql migrations are applied, the same folder is the sql project', async () => {
    const { database } = await cluster.createDatabase();
    const url = cluster.url(database);
    const migrate = await runBuiltCli(['migrate', '--count', '2', '--migrator', 'sql', '--migrations', mixed, '--database-url', url, '--storage', await mkdtemp(path.join(os.tmpdir(), 'dbrollback-detect-storage-')), '--backup', 'never', '--json']);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const status = await runBuiltCli(['status', '--migrations', mixed, '--database-url', url, '--json']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.json<{ migrator: string; head: string }>()).toMatchObject({ migrator: 'sql', head: '002_add-customer-phone' });
  });

  it('a folder with no migration files: the history table alone names the tool', async () => {
    const { database } = await cluster.createDatabase();
    const url = cluster.url(database);
    const migrate = await runBuiltCli(['migrate', '--count', '1', '--migrations', path.join(FIXTURES, 'node-pg-migrate', 'shop'), '--database-url', url, '--storage', await mkdtemp(path.join(os.tmpdir(), 'dbrollback-detect-storage-')), '--backup', 'never', '--json']);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const empty = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-detect-empty-'));
    const status = await runBuiltCli(['status', '--migrations', empty, '--database-url', url, '--json']);
    expect(status.exitCode, status.stderr).toBe(0);
    const doc = status.json<{ migrator: string; head: string; missingDefinitions: string[] }>();
    expect(doc).toMatchObject({ migrator: 'node-pg-migrate', head: '001_create-tables', missingDefinitions: ['001_create-tables'] });
  });

  it('findHistoryTables reports the probed tables that exist, with their columns; a look-alike is not a match', async () => {
    const { database } = await cluster.createDatabase();
    await cluster.sql(database, 'CREATE SCHEMA app; CREATE TABLE app.pgmigrations (version bigint, dirty boolean); CREATE TABLE public.dbrollback_migrations (name text, applied_at timestamptz, checksum text)');
    const db = await connect(cluster.conn(database));
    try {
      const found = await findHistoryTables(db, [
        { schema: 'public', table: 'pgmigrations', columns: ['id', 'name', 'run_on'] },
        { schema: 'app', table: 'pgmigrations', columns: ['id', 'name', 'run_on'] },
        { schema: 'public', table: 'dbrollback_migrations', columns: ['name'] },
      ]);
      expect(found.sort((a, b) => a.schema.localeCompare(b.schema))).toEqual([
        { schema: 'app', table: 'pgmigrations', columns: ['version', 'dirty'] },
        { schema: 'public', table: 'dbrollback_migrations', columns: ['name', 'applied_at', 'checksum'] },
      ]);
    } finally {
      await db.end();
    }
    // A look-alike of node-pg-migrate's table (golang-migrate's columns) does not make the folder node-pg-migrate's.
    const empty = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-detect-empty-'));
    const status = await runBuiltCli(['status', '--migrations', empty, '--database-url', cluster.url(database), '--json']);
    expect(status.json<{ migrator: string }>().migrator).toBe('sql');
  });
});
