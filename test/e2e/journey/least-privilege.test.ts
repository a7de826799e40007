/**
 * The on-call journey as a managed platform's application role: `app` (LOGIN
 * PASSWORD) owns its database `kennel` and what it creates there, and nothing
 * else — no superuser, no CREATEDB, no REPLICATION, no EXECUTE on
 * pg_create_restore_point / pg_switch_wal / amcheck — on
 * `migrations-fixtures/journey/kennel` (node-pg-migrate). Each privilege is
 * granted only when the step that needs it is reached, so every answer
 * without it is seen: a clear refusal naming the grant (nothing changed), a
 * skip saying what was not checked, or a way round it (a local throwaway
 * cluster, a logical backup). The server archives its WAL through the built
 * CLI's wal-push; the superuser only sets up, grants and takes the base
 * backup. Every PostgreSQL program dbrollback starts is recorded: none is
 * given the role's password in its argv.
 */
import { readFile, readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli, type CliRun } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { recordingBinDir } from '../../harness/argv-recorder.js';
import { FIXTURES } from '../../integration/undo/support.js';
import { archiveCurrentSegment, archivingCluster, baseBackup, query, sharedDir } from '../../integration/pitr/support.js';

const PROJECT = path.join(FIXTURES, 'journey', 'kennel');
const MIGRATIONS = path.join(PROJECT, 'db', 'migrations');
const NAMES = [
  '1720000000000_create-owners-and-pets',
  '1720086400000_create-bookings',
  '1720172800000_index-bookings-pet-dates',
  '1720604800000_add-pets-microchip',
  '1721209600000_backfill-bookings-nights',
  '1721814400000_drop-owners-phone',
  '1722419200000_create-invoices',
] as const;
const [, , , MICROCHIP, NIGHTS, DROP_PHONE, INVOICES] = NAMES;

interface ErrorDoc {
  ok: false;
  error: { code: string; message: string; hint: string };
}
interface Check {
  id: string;
  status: string;
  detail: string;
}
interface MigrateDoc {
  applied: string[];
  backupId: string | null;
  recovery: { via: string; backupId: string | null; detail: string };
  restorePointsSkipped: string | null;
  walSwitchSkipped: string | null;
  migrations: Array<{ name: string; restorePoint: { name: string } | null }>;
}

describe('the journey as a least-privilege role (owner of its database, nothing more)', () => {
  let primary: Cluster;
  let storage: string;
  let appUrl: string;
  let password: string;
  let args: string[];
  let recorder: { dir: string; log: string };
  let env: Record<string, string>;
  const su = (sql: string, database = 'kennel') => primary.sql(database, sql);
  const one = async (sql: string): Promise<unknown> => Object.values((await query<Record<string, unknown>>(appUrl, sql))[0]!)[0];
  const run = (argv: string[]): Promise<CliRun> => runBuiltCli(argv, { env, timeoutMs: 240_000 });
  const checkOf = (checks: Check[], id: string): Check => checks.find((c) => c.id === id)!;

  beforeAll(async () => {
    storage = pathToFileURL(await sharedDir('dbrollback-journey-least-privilege-')).href;
    primary = await archivingCluster(storage);
    password = `app-${randomBytes(9).toString('base64url')}`;
    await su(`CREATE ROLE app LOGIN PASSWORD '${password}'`, 'postgres');
    await su('CREATE DATABASE kennel OWNER app', 'postgres');
    // Installed by the platform's admin, its functions not granted: what verify finds on most managed databases that have it.
    await su('CREATE EXTENSION amcheck');
    appUrl = `postgres://app:${encodeURIComponent(password)}@127.0.0.1:${primary.port}/kennel`;
    args = ['--migrations', MIGRATIONS, '--database-url', appUrl, '--storage', storage];
    recorder = await recordingBinDir();
    // No capture cache: every code migration is run where dbrollback chooses to run it, in this test.
    env = { DBROLLBACK_PG_BINDIR: recorder.dir, DBROLLBACK_CACHE_DIR: 'off' };
    // The team's deploy step, as the role: node-pg-migrate up 3, then the data of a season.
    await execa(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js'), '--migrations-dir', 'db/migrations', 'up', '3'], { cwd: PROJECT, env: { ...process.env, DATABASE_URL: appUrl } });
    await query(appUrl, await readFile(path.join(PROJECT, 'seed.sql'), 'utf8'));
  }, 240_000);
  afterAll(async () => {
    await primary?.stop();
  });

  it('classify and migrate without CREATEDB run the code migrations in a local throwaway cluster; with no restore point allowed, migrate says why and takes a logical backup', async () => {
    const classify = await run(['classify', MIGRATIONS, '--database-url', appUrl, '--json']);
    expect(classify.exitCode, classify.stderr).toBe(0);
    expect(classify.stderr).toContain('role app on app@127.0.0.1');
    expect(classify.stderr).toContain('may not create databases (no CREATEDB): code migrations run in a local throwaway cluster instead');
    expect(classify.stderr).not.toContain('permission denied');

    const status = await run(['status', '--json', ...args]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.json<{ pending: string[] }>().pending).toEqual(NAMES.slice(3));

    const migrate = await run(['migrate', '--to', MICROCHIP, '--json', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const doc = migrate.json<MigrateDoc>();
    expect(doc.applied).toEqual([MICROCHIP]);
    expect(doc.restorePointsSkipped).toContain('this role may not call pg_create_restore_point');
    expect(doc.restorePointsSkipped).toContain('GRANT EXECUTE ON FUNCTION pg_create_restore_point(text)');
    expect(doc.migrations[0]!.restorePoint).toBeNull();
    // No base backup in the storage: the way back is the logical backup pg_dump took as the role.
    expect(doc.recovery.via).toBe('logical-backup');
    expect(doc.backupId).not.toBeNull();
    await query(appUrl, "UPDATE pets SET microchip = '9410000' || lpad(id::text, 8, '0') WHERE id % 2 = 0");
  });

  it('base-backup without REPLICATION is refused before anything is stored, naming ALTER ROLE … REPLICATION', async () => {
    const refused = await run(['base-backup', '--json', ...args]);
    expect(refused.exitCode, refused.stderr).toBe(2);
    const { error } = refused.json<ErrorDoc>();
    expect(error.code).toBe('PRIVILEGE_MISSING');
    expect(error.message).toContain('role app may not take a base backup: pg_basebackup needs a superuser or a role with the REPLICATION attribute');
    expect(error.hint).toContain('As a superuser: ALTER ROLE "app" REPLICATION');
    expect(refused.stdout + refused.stderr).not.toContain('FATAL');
    const storageDir = fileURLToPath(storage);
    expect(await readdir(path.join(storageDir, 'base')).catch(() => [])).toEqual([]);
  });

  it('restore from a logical backup without CREATEDB: whole and --tables refused up front naming the grant; into an empty database the role owns, refused up front for the extension only a superuser may create', async () => {
    const backups = await run(['backups', '--json', ...args]);
    const id = backups.json<{ backups: Array<{ id: string }> }>().backups[0]!.id;

    const tables = await run(['restore', '--backup', id, '--tables', 'public.pets', '--json', ...args]);
    expect(tables.exitCode, tables.stderr).toBe(2);
    const tablesError = tables.json<ErrorDoc>().error;
    expect(tablesError.code).toBe('PRIVILEGE_MISSING');
    expect(tablesError.message).toContain('role app may not create databases (no CREATEDB): restoring tables from a logical backup loads it into a scratch database');
    expect(tablesError.hint).toContain('ALTER ROLE "app" CREATEDB');
    expect(tablesError.hint).toContain('--target-database URL');

    const whole = await run(['restore', '--backup', id, '--yes', '--json', ...args]);
    expect(whole.exitCode, whole.stderr).toBe(2);
    const wholeError = whole.json<ErrorDoc>().error;
    expect(wholeError.code).toBe('PRIVILEGE_MISSING');
    expect(wholeError.message).toContain('restoring "kennel" in place creates');
    expect(wholeError.hint).toContain('ALTER ROLE "app" CREATEDB');
    // Nothing changed: the database is the one it was, its microchips there.
    expect(await one('SELECT count(microchip)::int FROM pets')).toBe(45);

    // An empty database the platform made for the role needs no CREATEDB, but the dump re-creates amcheck, which only a
    // superuser may: refused before pg_restore starts, not left half-restored.
    await su('CREATE DATABASE kennel_copy OWNER app', 'postgres');
    const copyUrl = appUrl.replace(/\/kennel$/, '/kennel_copy');
    const into = await run(['restore', '--backup', id, '--target-database', copyUrl, '--json', ...args]);
    expect(into.exitCode, into.stderr).toBe(2);
    const intoError = into.json<ErrorDoc>().error;
    expect(intoError.code).toBe('PRIVILEGE_MISSING');
    expect(intoError.message).toContain('the backup re-creates extension amcheck in "kennel_copy", and role app may not create it');
    expect(intoError.hint).toContain('--tables T1,T2');
    expect(await query(copyUrl, "SELECT 1 FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toEqual([]);
  });

  it('with CREATEDB granted: restore --tables side by side and --replace as the role, the superuser\'s extension left out of the scratch database', async () => {
    await su('ALTER ROLE app CREATEDB', 'postgres');
    const backup = await run(['backup', '--label', 'before the front desk bug', '--json', ...args]);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const id = backup.json<{ backup: { id: string } }>().backup.id;
    await query(appUrl, "UPDATE pets SET name = name || ' (typo)' WHERE id <= 10");

    const aside = await run(['restore', '--backup', id, '--tables', 'public.pets', '--json', ...args]);
    expect(aside.exitCode, aside.stderr).toBe(0);
    // amcheck (a superuser's) cannot be made by the role in its scratch database: left out, and said.
    expect(aside.stderr).toContain('left out of the scratch database: extension amcheck (this role may not create it');
    const schema = (await query<{ s: string }>(appUrl, "SELECT nspname AS s FROM pg_namespace WHERE nspname LIKE 'dbrollback_recovered_%'"))[0]!.s;
    expect((await query<{ n: number }>(appUrl, `SELECT count(*)::int AS n FROM "${schema}".pets WHERE name LIKE '%(typo)'`))[0]!.n).toBe(0);

    const replace = await run(['restore', '--backup', id, '--tables', 'public.pets', '--replace', '--yes', '--json', ...args]);
    expect(replace.exitCode, replace.stderr).toBe(0);
    expect(await one("SELECT count(*)::int FROM pets WHERE name LIKE '%(typo)'")).toBe(0);
    expect(await one('SELECT count(microchip)::int FROM pets')).toBe(45);
    await su('ALTER ROLE app NOCREATEDB', 'postgres');
  });

  it('migrate with pg_create_restore_point granted but not pg_switch_wal, over a healthy archive: points made, a logical backup as well, and status does not blame the archive', async () => {
    // The platform's base backup (a role with REPLICATION), then the one grant.
    await baseBackup(storage, primary.url('kennel'));
    await su('GRANT EXECUTE ON FUNCTION pg_create_restore_point(text) TO app');

    const migrate = await run(['migrate', '--to', DROP_PHONE, '--json', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const doc = migrate.json<MigrateDoc>();
    expect(doc.applied).toEqual([NIGHTS, DROP_PHONE]);
    expect(doc.restorePointsSkipped).toBeNull();
    expect(doc.migrations.map((m) => m.restorePoint?.name)).toEqual([`dbrollback:before:${NIGHTS}`, `dbrollback:before:${DROP_PHONE}`]);
    expect(doc.walSwitchSkipped).toContain('this role may not call pg_switch_wal()');
    expect(doc.walSwitchSkipped).toContain('GRANT EXECUTE ON FUNCTION pg_switch_wal()');
    // The WAL before the run is not archived until its segment is: the archive alone is not the way back yet.
    expect(doc.recovery.via).toBe('logical-backup');
    expect(doc.recovery.detail).toContain('this role may not call pg_switch_wal()');

    const status = await run(['status', ...args]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).not.toContain('the server was not archiving WAL');
    expect(status.stdout).toContain('restore points not switched into the archive: the role that ran migrate may not call pg_switch_wal()');
  });

  it('undo as the role: safety backup by pg_dump as app, the down, the verify gate — amcheck it may not call is a skip naming the GRANT, not corruption', async () => {
    const up = await run(['migrate', '--json', ...args]);
    expect(up.exitCode, up.stderr).toBe(0);
    await query(appUrl, "INSERT INTO invoices (booking_id, amount_cents) SELECT id, nights * 4500 FROM bookings WHERE status = 'confirmed'");

    const undo = await run(['undo', '--count', '1', '--accept-data-loss', '--yes', '--json', ...args]);
    expect(undo.exitCode, undo.stdout + undo.stderr).toBe(0);
    const doc = undo.json<{ ok: boolean; backupId: string; undone: string[]; verify: { ok: boolean; checks: Check[] } }>();
    expect(doc.undone).toEqual([INVOICES]);
    expect(doc.verify.ok).toBe(true);
    const amcheck = checkOf(doc.verify.checks, 'amcheck');
    expect(amcheck.status).toBe('skip');
    expect(amcheck.detail).toContain('app may not call public.bt_index_check: nothing checked');
    expect(amcheck.detail).toContain('GRANT EXECUTE ON FUNCTION "public".bt_index_check(regclass, boolean) TO "app"');
    expect(amcheck.detail).not.toContain('corruption');
    expect(await one("SELECT to_regclass('public.invoices') IS NULL")).toBe(true);

    // The point before the dropped column was made without a WAL switch: plan says a point-in-time restore cannot stop
    // there until its segment is archived — and offers it once the segment is in the archive.
    const waiting = await run(['plan', '--count', '1', '--json', ...args]);
    expect(waiting.exitCode, waiting.stderr).toBe(0);
    expect(waiting.json<{ recommendation: string }>().recommendation).toContain(`the restore point migrate made before ${DROP_PHONE}`);
    expect(waiting.json<{ recommendation: string }>().recommendation).toContain('is not in the WAL archive yet: its segment');
    await archiveCurrentSegment(primary.url('kennel'));
    const reached = await run(['plan', '--count', '1', '--json', ...args]);
    expect(reached.json<{ recommendation: string }>().recommendation).toContain(`restore --before-migration ${DROP_PHONE} --tables public.owners --into-database URL`);
    expect(reached.json<{ recommendation: string }>().recommendation).not.toContain('is not in the WAL archive yet');

    // Standalone verify against a baseline, as the on-call runs it before traffic returns.
    const backup = await run(['backup', '--json', ...args]);
    const id = backup.json<{ backup: { id: string } }>().backup.id;
    const verify = await run(['verify', '--baseline', id, '--json', ...args]);
    expect(verify.exitCode, verify.stdout).toBe(0);
    const checks = verify.json<{ checks: Check[] }>().checks;
    expect(checkOf(checks, 'row-counts').status).toBe('pass');
    expect(checkOf(checks, 'fingerprints').status).toBe('pass');
    expect(checkOf(checks, 'amcheck').status).toBe('skip');

    // Granted, amcheck really runs: indexes and tables.
    await su('GRANT EXECUTE ON FUNCTION bt_index_check(regclass, boolean) TO app');
    await su('GRANT EXECUTE ON FUNCTION verify_heapam(regclass, boolean, boolean, text, bigint, bigint) TO app');
    const granted = await run(['verify', '--baseline', id, '--json', ...args]);
    expect(granted.exitCode, granted.stdout).toBe(0);
    expect(checkOf(granted.json<{ checks: Check[] }>().checks, 'amcheck')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/B-tree indexes and \d+ tables consistent/) });
  });

  it('a table another role owns and never granted: backup refused before pg_dump starts, naming the GRANT; verify says which table it may not read', async () => {
    await su('CREATE TABLE public.platform_audit (id int PRIMARY KEY, what text); INSERT INTO platform_audit VALUES (1, \'vacuum\')');
    const refused = await run(['backup', '--json', ...args]);
    expect(refused.exitCode, refused.stderr).toBe(2);
    const { error } = refused.json<ErrorDoc>();
    expect(error.code).toBe('PRIVILEGE_MISSING');
    expect(error.message).toBe('role app may not read a table pg_dump must dump: public.platform_audit. Nothing was stored.');
    expect(error.hint).toContain('GRANT SELECT ON public.platform_audit TO "app";');
    expect(refused.stderr).not.toContain('pg_dump: error');

    const verify = await run(['verify', '--baseline', 'latest', '--json', ...args]);
    expect(verify.exitCode).toBe(3);
    expect(checkOf(verify.json<{ checks: Check[] }>().checks, 'row-counts').detail).toContain('role app may not read it (as its owner or a superuser: GRANT SELECT ON "public"."platform_audit" TO "app")');
    await su('DROP TABLE public.platform_audit');
  });

  it('whole restore in place with CREATEDB: a superuser\'s GRANT in the dump (pg_create_restore_point) is left out and said; another role\'s session it may not end is refused up front', async () => {
    await su('DROP EXTENSION amcheck');
    await su('ALTER ROLE app CREATEDB', 'postgres');
    await su(`CREATE ROLE analyst LOGIN PASSWORD '${password}'`, 'postgres');
    // The owner's own grant to a reporting role: kept by the restore.
    await query(appUrl, 'GRANT SELECT ON pets TO analyst');
    const backup = await run(['backup', '--json', ...args]);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const id = backup.json<{ backup: { id: string } }>().backup.id;

    const analyst = new pg.Client({ connectionString: appUrl.replace('//app:', '//analyst:') });
    await analyst.connect();
    try {
      const refused = await run(['restore', '--backup', id, '--yes', '--terminate-connections', '--json', ...args]);
      expect(refused.exitCode, refused.stderr).toBe(2);
      const { error } = refused.json<ErrorDoc>();
      expect(error.code).toBe('PRIVILEGE_MISSING');
      expect(error.message).toMatch(/^--terminate-connections cannot end 1 session on "kennel": pid \d+ \(analyst/);
      expect(error.message).toContain('nothing was changed');
      expect(error.hint).toContain('GRANT pg_signal_backend TO "app"');
    } finally {
      await analyst.end();
    }

    const restored = await run(['restore', '--backup', id, '--yes', '--json', ...args]);
    expect(restored.exitCode, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stderr).toContain('left out 1 grant(s) on objects this role does not own, which only their owner or a superuser may make: pg_catalog FUNCTION pg_create_restore_point(text) (owned by postgres)');
    expect(await one("SELECT has_table_privilege('analyst', 'public.pets', 'SELECT')")).toBe(true);
    expect(await one('SELECT count(microchip)::int FROM pets')).toBe(45);
    await su('ALTER ROLE app NOCREATEDB', 'postgres');
  });

  it('SET ROLE pattern: the login role (with CREATEDB) runs every session as a NOLOGIN owner role (without): the owner\'s attributes count, and the journey works through it', async () => {
    await su('CREATE ROLE kennel_owner NOLOGIN', 'postgres');
    await su(`CREATE ROLE kennel_deploy LOGIN CREATEDB PASSWORD '${password}' IN ROLE kennel_owner`, 'postgres');
    await su('CREATE DATABASE kennel_owned OWNER kennel_owner', 'postgres');
    await su('ALTER ROLE kennel_deploy IN DATABASE kennel_owned SET role TO kennel_owner', 'postgres');
    const url = `postgres://kennel_deploy:${encodeURIComponent(password)}@127.0.0.1:${primary.port}/kennel_owned`;
    const owned = ['--migrations', MIGRATIONS, '--database-url', url, '--storage', pathToFileURL(await sharedDir('dbrollback-journey-owned-')).href];
    await execa(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js'), '--migrations-dir', 'db/migrations', 'up', '3'], { cwd: PROJECT, env: { ...process.env, DATABASE_URL: url } });
    await query(url, await readFile(path.join(PROJECT, 'seed.sql'), 'utf8'));

    // CREATE DATABASE is checked against the role in effect (kennel_owner), not the login role.
    const migrate = await run(['migrate', '--json', ...owned]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(migrate.stderr).toContain('role kennel_owner on kennel_deploy@127.0.0.1');
    expect(migrate.json<MigrateDoc>().applied).toEqual(NAMES.slice(3));
    expect(await query(url, "SELECT DISTINCT tableowner AS o FROM pg_tables WHERE schemaname = 'public'")).toEqual([{ o: 'kennel_owner' }]);

    const undo = await run(['undo', '--count', '1', '--accept-data-loss', '--yes', '--json', ...owned]);
    expect(undo.exitCode, undo.stdout + undo.stderr).toBe(0);
    const verify = await run(['verify', '--expect-head', DROP_PHONE, '--json', ...owned]);
    expect(verify.exitCode, verify.stdout).toBe(0);
  });

  it('prune as the role, and no PostgreSQL program was given the role\'s password in its argv', async () => {
    const prune = await run(['backups', 'prune', '--keep', '2', '--json', ...args]);
    expect(prune.exitCode, prune.stderr).toBe(0);
    const argv = await readFile(recorder.log, 'utf8');
    expect(argv).toMatch(/pg_dump /);
    expect(argv).toMatch(/pg_restore /);
    expect(argv).not.toContain(password);
    expect(argv).not.toContain(encodeURIComponent(password));
  });
});
