/**
 * dbmate through the built CLI and the REAL dbmate program (npm `dbmate`,
 * its Go binary), against a real cluster: the project is copied outside
 * this repository and dbmate is put on PATH behind a wrapper that records
 * each invocation, so the test sees that dbrollback ran dbmate itself —
 * `migrate` for ups, one `rollback` per undone migration — with the URL in
 * its environment and never in argv, and that dbmate's own `status` agrees
 * with dbrollback afterwards. Without any dbmate program, dbrollback does the
 * same itself and the table is the same.
 */
import { readdirSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES } from './support.js';

const REAL_DBMATE = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'dbmate');

describe('dbmate (built CLI, the real dbmate program)', () => {
  let cluster: Cluster;
  let base: string;
  let migrations: string;
  let names: string[];
  let bin: string;
  let calls: string;
  beforeAll(async () => {
    cluster = await startCluster();
    // Outside the repository: no node_modules/.bin/dbmate above it.
    base = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-dbmate-'));
    migrations = path.join(base, 'db', 'migrations');
    await cp(path.join(FIXTURES, 'dbmate', 'shop', 'db', 'migrations'), migrations, { recursive: true });
    names = readdirSync(migrations).sort().map((f) => f.replace(/\.sql$/, ''));
    bin = path.join(base, 'bin');
    calls = path.join(base, 'calls.log');
    await mkdir(bin);
    const wrapper = path.join(bin, 'dbmate');
    await writeFile(
      wrapper,
      `#!/bin/sh\nprintf '%s|url-in-env=%s\\n' "$*" "$([ -n "$DATABASE_URL" ] && echo yes || echo no)" >> ${JSON.stringify(calls)}\nexec ${JSON.stringify(REAL_DBMATE)} "$@"\n`,
    );
    await chmod(wrapper, 0o755);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const versions = async (database: string) => (await cluster.sql<{ version: string }>(database, 'SELECT version FROM public.schema_migrations ORDER BY version')).map((r) => r.version);
  const versionOf = (name: string) => name.split('_')[0]!;
  const cli = (database: string, env: Record<string, string>, ...args: string[]) =>
    runBuiltCli([...args, '--migrations', migrations, '--database-url', cluster.url(database), '--storage', path.join(base, 'storage'), '--json'], { cwd: base, env });
  /** What dbmate itself says is applied ([X] lines of `dbmate status`). */
  async function dbmateStatus(database: string): Promise<string[]> {
    const run = await execa(REAL_DBMATE, ['--no-dump-schema', '--migrations-dir', migrations, 'status'], {
      env: { DATABASE_URL: `${cluster.url(database)}${cluster.url(database).includes('?') ? '&' : '?'}sslmode=disable` },
      cwd: base,
      reject: false,
    });
    return run.stdout.split('\n').filter((l) => l.startsWith('[X]')).map((l) => l.slice(4).replace(/\.sql$/, ''));
  }

  it('migrate runs `dbmate migrate` (URL only in its environment, --no-dump-schema); undo --count 2 runs `dbmate rollback` twice; dbmate agrees', async () => {
    const { database } = await cluster.createDatabase();
    const env = { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
    const migrate = await cli(database, env, 'migrate', '--count', '4', '--backup', 'never');
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(migrate.json<{ headAfter: string }>().headAfter).toBe(names[3]);
    expect(await versions(database)).toEqual(names.slice(0, 4).map(versionOf));
    expect(await dbmateStatus(database)).toEqual(names.slice(0, 4));

    const undo = await cli(database, env, 'undo', '--count', '2', '--yes', '--no-backup');
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(undo.json<{ undone: string[] }>().undone).toEqual([names[3], names[2]]);
    expect(await versions(database)).toEqual(names.slice(0, 2).map(versionOf));
    expect(await dbmateStatus(database)).toEqual(names.slice(0, 2));
    // The rename and the index (transaction:false) are gone: the downs ran.
    expect(await cluster.sql(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND column_name IN ('note', 'customer_note')")).toEqual([{ column_name: 'note' }]);
    expect(await cluster.sql(database, "SELECT 1 FROM pg_indexes WHERE indexname = 'orders_customer_id_idx'")).toEqual([]);

    const log = (await readFile(calls, 'utf8')).trim().split('\n');
    const commands = log.map((l) => l.split('|')[0]!.split(' ').at(-1));
    expect(commands.filter((c) => c === 'migrate')).toHaveLength(4);
    expect(commands.filter((c) => c === 'rollback')).toHaveLength(2);
    for (const line of log) {
      expect(line).toContain('--no-dump-schema');
      expect(line).toContain('--migrations-dir');
      expect(line).not.toContain('://');
      expect(line).toMatch(/url-in-env=yes$/);
    }
  });

  it('a pending migration before the applied ones is said (dbmate applies it anyway unless --strict)', async () => {
    const { database } = await cluster.createDatabase();
    const env = { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
    expect((await cli(database, env, 'migrate', '--count', '2', '--backup', 'never')).exitCode).toBe(0);
    await cluster.sql(database, 'DELETE FROM public.schema_migrations WHERE version = $1', [versionOf(names[0]!)]);
    const status = await cli(database, env, 'status');
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.json<{ warnings: string[] }>().warnings.join(' ')).toContain(`pending ${names[0]} sorts before the applied ${names[1]}`);
  });

  it('without any dbmate program, dbrollback does as dbmate does: the same rows, and dbmate agrees', async () => {
    const { database } = await cluster.createDatabase();
    const env = { PATH: '/usr/bin:/bin' };
    const migrate = await cli(database, env, 'migrate', '--count', '3', '--backup', 'never', '--verbose');
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(migrate.stderr).toContain('dbmate was not found');
    expect(await versions(database)).toEqual(names.slice(0, 3).map(versionOf));
    const columns = await cluster.sql<{ data_type: string }>(database, "SELECT data_type FROM information_schema.columns WHERE table_name = 'schema_migrations'");
    expect(columns).toEqual([{ data_type: 'character varying' }]);
    expect(await dbmateStatus(database)).toEqual(names.slice(0, 3));
    const undo = await cli(database, env, 'undo', '--count', '1', '--yes', '--no-backup');
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(await dbmateStatus(database)).toEqual(names.slice(0, 2));
  });
});
