import { chmod, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../harness/cli.js';
import { recordingBinDir } from '../harness/argv-recorder.js';
import { startCluster, type Cluster } from '../harness/cluster.js';


describe('a password in DATABASE_URL never reaches argv or output (built CLI)', () => {
  let cluster: Cluster;
  const password = 'Pw-in-url/with:odd@chars';
  beforeAll(async () => {
    cluster = await startCluster({ password });
  });
  afterAll(async () => cluster?.stop());

  it('backup and restore start pg_dump/pg_restore without the password in argv, and print it nowhere', async () => {
    const db = await cluster.createDatabase();
    await cluster.sql(db.database, "CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) SELECT 'row ' || g FROM generate_series(1, 100) g");
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-e2e-storage-'));
    const { dir, log } = await recordingBinDir();
    const env = { DATABASE_URL: cluster.url(db.database), DBROLLBACK_PG_BINDIR: dir };
    expect(env.DATABASE_URL).toContain(encodeURIComponent(password));

    const backup = await runBuiltCli(['backup', '--verbose', '--json', '--storage', storage], { env });
    expect(backup.exitCode).toBe(0);
    const restore = await runBuiltCli(['restore', '--backup', 'latest', '--verbose', '--storage', storage, '--target-database', cluster.url(`${db.database}_copy`)], { env });
    expect(restore.exitCode).toBe(0);
    const failing = await runBuiltCli(['backup', '--verbose', '--storage', storage], { env: { ...env, DATABASE_URL: cluster.url('no_such_db') } });
    expect(failing.exitCode).toBe(1);

    const argv = await readFile(log, 'utf8');
    expect(argv).toMatch(/pg_dump /);
    expect(argv).toMatch(/pg_restore /);
    for (const text of [argv, backup.stdout, backup.stderr, restore.stdout, restore.stderr, failing.stdout, failing.stderr]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(encodeURIComponent(password));
    }
  });

  it('a pg_dump older than the server is refused with both versions named (exit 1), nothing written', async () => {
    const db = await cluster.createDatabase();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-e2e-storage-'));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-oldbin-'));
    // A stand-in for an old client install: only its --version answer matters.
    await writeFile(path.join(dir, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 12.4"\n');
    await chmod(path.join(dir, 'pg_dump'), 0o755);
    const run = await runBuiltCli(['backup', '--storage', storage], { env: { DATABASE_URL: cluster.url(db.database), DBROLLBACK_PG_BINDIR: dir } });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/pg_dump 12\.4 .* is older than the server \(PostgreSQL 1\d\)/);
    expect(await readdir(storage)).toEqual([]);
    const missing = await runBuiltCli(['backup', '--storage', storage], { env: { DATABASE_URL: cluster.url(db.database), DBROLLBACK_PG_BINDIR: await mkdtemp(path.join(os.tmpdir(), 'dbrollback-nobin-')) } });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/pg_dump was not found in/);
  });
});
