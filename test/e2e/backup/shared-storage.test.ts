/**
 * One storage holding the backups of several databases (app and app2 on one
 * cluster, both at the same migration head): every "latest" and every
 * suggested backup is the configured database's (--database-url), never the
 * newest in the storage when that is another's. A database with no backup of
 * its own is refused, naming `dbrollback backups` and --backup ID; another
 * database's backup named with --backup ID is still restored, and said to be
 * — a partial one (undo --backup tables) restored with --tables too.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, suggested } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { query } from '../../integration/pitr/support.js';
import { FIXTURES } from '../../integration/tools/support.js';

const SHOP = path.join(FIXTURES, 'sql', 'shop');
/** No down: rolling it back is a restore, so plan suggests a backup. */
const IRREVERSIBLE = '007_collapse-order-statuses';

interface RestoreJson {
  ok: boolean;
  backupId: string;
  backupDatabase: string;
  otherDatabase: boolean;
  beforeMigration?: { backupId: string };
}
interface PartialRestoreJson {
  ok: boolean;
  schema: string;
  replaced: boolean;
  backupDatabase: string;
  otherDatabase: boolean;
}
interface ErrorJson {
  ok: false;
  error: { code: string; message: string; hint: string };
}

describe('one storage, backups of two databases', () => {
  let cluster: Cluster;
  let storage: string;
  const url: Record<'app' | 'app2' | 'bare', string> = { app: '', app2: '', bare: '' };
  const backupOf: Record<'app' | 'app2', string> = { app: '', app2: '' };
  const db: Record<'app' | 'app2' | 'bare', string> = { app: '', app2: '', bare: '' };
  const flags = (who: keyof typeof url) => ['--migrations', SHOP, '--database-url', url[who], '--storage', storage];
  const cli = (who: keyof typeof url, ...args: string[]) => runBuiltCli([...args, ...flags(who)]);

  beforeAll(async () => {
    // Restore points (migrate makes one before each migration) need wal_level replica.
    cluster = await startCluster({ settings: { wal_level: 'replica' } });
    storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-shared-storage-'));
    for (const who of ['app', 'app2', 'bare'] as const) {
      db[who] = (await cluster.createDatabase()).database;
      url[who] = cluster.url(db[who]);
      const up = await cli(who, 'migrate', '--count', '6', '--backup', 'never');
      expect(up.exitCode, up.stderr).toBe(0);
      await query(url[who], `CREATE TABLE whose (label text); INSERT INTO whose VALUES ('${who}')`);
    }
    // app's backup first, app2's after it: the newest in the storage is app2's.
    for (const who of ['app', 'app2'] as const) {
      const made = await cli(who, 'backup', '--json');
      expect(made.exitCode, made.stderr).toBe(0);
      backupOf[who] = made.json<{ backup: { id: string } }>().backup.id;
    }
    for (const who of ['app', 'app2', 'bare'] as const) {
      const last = await cli(who, 'migrate', '--count', '1', '--backup', 'never');
      expect(last.exitCode, last.stderr).toBe(0);
    }
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  it('the restore drill rehearses the configured database\'s newest backup, not the newer one of another', async () => {
    const drill = await cli('app', 'drill', 'restore', '--provider', 'local', '--json');
    expect(drill.exitCode, drill.stderr).toBe(0);
    const scenario = drill.json<{ scenarios: Array<{ detail: string; facts: { backupId: string; backupDatabase: string } }> }>().scenarios[0]!;
    expect(scenario.facts).toMatchObject({ backupId: backupOf.app, backupDatabase: db.app });
    expect(scenario.detail).toContain(`backup ${backupOf.app} of database "${db.app}"`);
  });

  it('restore --backup latest restores the configured database\'s newest backup', async () => {
    const target = (await cluster.createDatabase()).database;
    const run = await cli('app', 'restore', '--backup', 'latest', '--target-database', cluster.url(target), '--yes', '--json');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<RestoreJson>()).toMatchObject({ ok: true, backupId: backupOf.app, backupDatabase: db.app, otherDatabase: false });
    expect(await query<{ label: string }>(cluster.url(target), 'SELECT label FROM whose')).toEqual([{ label: 'app' }]);
  });

  it('another database\'s backup named with --backup ID is restored, and the output says whose it is', async () => {
    const target = (await cluster.createDatabase()).database;
    const run = await cli('app', 'restore', '--backup', backupOf.app2, '--target-database', cluster.url(target), '--yes');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(`restored backup ${backupOf.app2} (a backup of database "${db.app2}", not of the configured one)`);
    expect(run.stderr).toContain(`a backup of database "${db.app2}", not of the configured "${db.app}"`);
    expect(await query<{ label: string }>(cluster.url(target), 'SELECT label FROM whose')).toEqual([{ label: 'app2' }]);
  });

  it('plan suggests each database its own backup at the target head (and undo\'s hint is that plan\'s)', async () => {
    for (const who of ['app', 'app2'] as const) {
      const plan = await cli(who, 'plan', '--count', '1', '--json');
      expect(plan.exitCode, plan.stderr).toBe(0);
      const doc = plan.json<{ type: string; restoreFrom: { backupId: string } | null; steps: Array<{ action: string; detail: string }> }>();
      expect(doc.type).toBe('restore');
      expect(doc.restoreFrom?.backupId).toBe(backupOf[who]);
      expect(doc.steps.filter((s) => s.action === 'restore').map((s) => s.detail).join('\n')).toContain(`${suggested(flags(who))} restore --backup ${backupOf[who]}`);
    }
    const undo = await cli('app', 'undo', '--count', '1', '--json');
    expect(undo.exitCode, undo.stderr).toBe(4);
    const refusal = undo.json<ErrorJson & { error: { details: { restoreFrom: { backupId: string } } } }>().error;
    expect(refusal.code).toBe('IRREVERSIBLE');
    expect(refusal.details.restoreFrom.backupId).toBe(backupOf.app);
    expect(refusal.hint).toContain(`${suggested(flags('app'))} restore --backup ${backupOf.app}`);
    const bare = await cli('bare', 'plan', '--count', '1', '--json');
    expect(bare.exitCode, bare.stderr).toBe(0);
    expect(bare.json<{ restoreFrom: unknown }>().restoreFrom).toBeNull();
  });

  it('restore --before-migration X --backup auto takes the configured database\'s backup at the head before X', async () => {
    const target = (await cluster.createDatabase()).database;
    const run = await cli('app', 'restore', '--before-migration', IRREVERSIBLE, '--backup', 'auto', '--target-database', cluster.url(target), '--yes', '--json');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<RestoreJson>()).toMatchObject({ backupId: backupOf.app, otherDatabase: false, beforeMigration: { backupId: backupOf.app } });
  });

  it('a database with no backup of its own is refused (exit 2), naming dbrollback backups and --backup ID, and nothing is restored', async () => {
    const target = (await cluster.createDatabase()).database;
    const latest = await cli('bare', 'restore', '--backup', 'latest', '--target-database', cluster.url(target), '--yes', '--json');
    expect(latest.exitCode, latest.stderr).toBe(2);
    const error = latest.json<ErrorJson>().error;
    expect(error.code).toBe('BACKUP_NOT_FOUND');
    expect(error.message).toContain(`there is no complete logical backup of database "${db.bare}"`);
    expect(error.message).toContain(`"${db.app}", "${db.app2}"`);
    expect(error.hint).toContain(`\`${suggested(flags('bare'))} backups\``);
    expect(error.hint).toContain('--backup ID');
    expect(await query<{ n: string }>(cluster.url(target), "SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public'")).toEqual([{ n: '0' }]);

    const auto = await cli('bare', 'restore', '--before-migration', IRREVERSIBLE, '--backup', 'auto', '--target-database', cluster.url(target), '--yes', '--json');
    expect(auto.exitCode, auto.stderr).toBe(2);
    const autoError = auto.json<ErrorJson>().error;
    expect(autoError).toMatchObject({ code: 'BACKUP_NOT_FOUND', message: expect.stringContaining(`no logical backup of database "${db.bare}" was taken at 006_backfill-product-sku`) });
    expect(autoError.message).toContain(backupOf.app2);
    expect(autoError.hint).toContain('--backup ID');

    const drill = await cli('bare', 'drill', 'restore', '--provider', 'local', '--json');
    expect(drill.exitCode, drill.stderr).toBe(1);
    const scenario = drill.json<{ ok: boolean; scenarios: Array<{ status: string; detail: string }> }>().scenarios[0]!;
    expect(scenario.status).toBe('error');
    expect(scenario.detail).toContain(`there is no complete logical backup of database "${db.bare}"`);
    expect(scenario.detail).toContain('--backup ID');
  });

  it('verify --baseline latest compares with the configured database\'s newest backup', async () => {
    const verify = await cli('app', 'verify', '--baseline', 'latest', '--json');
    const doc = verify.json<{ checks: Array<{ id: string; status: string; detail: string }> }>();
    // app2's baseline would find app's "whose" row differing; app's own matches (007 changed orders only).
    expect(JSON.stringify(doc.checks.filter((c) => c.status === 'fail'))).not.toContain('public.whose');
  });

  it('another database\'s partial backup restored with --tables: a warning names whose it is, --json says backupDatabase and otherDatabase, and its rows arrive', async () => {
    // donor: a third database in the same storage, at 002 with the seed's phones; undo of 002 drops customers.phone.
    const donor = (await cluster.createDatabase()).database;
    const donorUrl = cluster.url(donor);
    const at = (databaseUrl: string, ...args: string[]) => runBuiltCli([...args, '--migrations', SHOP, '--database-url', databaseUrl, '--storage', storage]);
    const up = await at(donorUrl, 'migrate', '--count', '2', '--backup', 'never');
    expect(up.exitCode, up.stderr).toBe(0);
    await query(donorUrl, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
    const phones = await query<{ id: number; phone: string | null }>(donorUrl, 'SELECT id, phone FROM public.customers ORDER BY id');
    expect(phones.some((p) => p.phone !== null)).toBe(true);
    const undo = await at(donorUrl, 'undo', '--count', '1', '--yes', '--accept-data-loss', '--backup', 'tables', '--json');
    expect(undo.exitCode, undo.stderr).toBe(0);
    const taken = undo.json<{ backupId: string; backup: { taken: string; tables: string[] } }>();
    expect(taken.backup).toMatchObject({ taken: 'tables', tables: ['public.customers'] });
    const partialId = taken.backupId;

    // app (--database-url) restores donor's partial backup beside its own tables.
    const other = await cli('app', 'restore', '--backup', partialId, '--tables', 'public.customers', '--json');
    expect(other.exitCode, other.stderr).toBe(0);
    expect(other.stderr).toContain(`warning: backup ${partialId} is a backup of database "${donor}", not of the configured "${db.app}"`);
    const doc = other.json<PartialRestoreJson>();
    expect(doc).toMatchObject({ ok: true, replaced: false, backupDatabase: donor, otherDatabase: true });
    expect(await query(url.app, `SELECT id, phone FROM "${doc.schema}".customers ORDER BY id`)).toEqual(phones);

    // Restored into its own database: no warning, otherDatabase false.
    const own = await at(donorUrl, 'restore', '--backup', partialId, '--tables', 'public.customers', '--json');
    expect(own.exitCode, own.stderr).toBe(0);
    expect(own.stderr).not.toContain('is a backup of database');
    expect(own.json<PartialRestoreJson>()).toMatchObject({ ok: true, backupDatabase: donor, otherDatabase: false });
  }, 180_000);
});
