/**
 * The migration-tool family's contract: every registered tool's example
 * project (migrations-fixtures/<tool>/shop) goes through the built CLI
 * against a real cluster (wal_level replica) as a user would drive it —
 * detection, status, classify, migrate with restore points recorded in the
 * storage, the head in a backup's manifest, plan, undo --count 1 (and the
 * tool's own history table agreeing), drill migrations on a local throwaway
 * server.
 *
 * A new tool adds one entry to CONTRACT (its fixture, the flags that point at
 * it, its migrations and their down kinds, how to read the head from its own
 * table); the test refuses a registered tool without one.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeRegExp, MIGRATOR_KINDS, toolOf, type DownKind, type MigratorKind } from '../../../src/index.js';
import { connect } from '../../../src/db/connection.js';
import { advisoryLockId } from '../../../src/tools/golang-migrate/lock.js';
import { runBuiltCli, suggested, type CliRun } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES, SHOP_NAMES } from './support.js';

interface ToolContract {
  kind: MigratorKind;
  /** The flags that point the CLI at the project, as its README says (no --migrator: detection is part of the contract). */
  projectArgs: string[];
  /** What `classify` is given: the migration files. */
  classifyPaths: string[];
  /** Every migration in apply order, as the tool names them. */
  migrations: string[];
  /** Each migration's down kind, in the same order. */
  downs: DownKind[];
  /** Whether the tool takes an advisory lock of its own while it runs (umzug takes none). */
  ownLock: boolean;
  /** Applied (after the seed) so that a reversible, breaking migration is the head: plan says undo, undo --count 1 runs. */
  undoHead: string;
  /** The head as the tool's own history table records it (null: nothing applied). */
  toolHead(cluster: Cluster, database: string): Promise<string | null>;
  /**
   * A backup taken with no migrations configured (a nightly job): `named` when
   * the history table alone names the head as the adapter does, else why the
   * manifest records none (`note`) and the head's version it keeps instead,
   * which status lists in the head's tags.
   */
  nightlyHead: 'named' | { note: RegExp; version?: string };
  /** For a tool that keeps its lock in a table (not an advisory lock): set it as the tool does while it runs; returns the release. */
  holdTableLock?(cluster: Cluster, database: string): Promise<() => Promise<void>>;
  /** The migration a classified file is (default: its file name without the extension). */
  migrationOf?(file: string): string;
}

const DRIZZLE = path.join(FIXTURES, 'drizzle', 'shop', 'migrations');
const PRISMA = path.join(FIXTURES, 'prisma', 'shop', 'prisma', 'migrations');
const drizzleNames = SHOP_NAMES.map((n, i) => `${String(i).padStart(4, '0')}_${n.slice(4)}`);
const TYPEORM = path.join(FIXTURES, 'typeorm', 'shop', 'src', 'migrations');
const typeormNames = ['CreateTables', 'AddCustomerPhone', 'IndexOrdersCustomer', 'RenameOrderNote', 'DropCustomerLegacyCode', 'BackfillProductSku', 'CollapseOrderStatuses'].map((n, i) => `${n}170406720000${i + 1}`);
const prismaNames = SHOP_NAMES.map((n, i) => `2024010${i + 1}000000_${n.slice(4).replace(/-/g, '_')}`);

const GOLANG_MIGRATE = path.join(FIXTURES, 'golang-migrate', 'shop');
const DBMATE = path.join(FIXTURES, 'dbmate', 'shop', 'db', 'migrations');
// Named by `dbmate new` (VERSION_name.sql, the version a timestamp).
const dbmateNames = readdirSync(DBMATE).filter((f) => f.endsWith('.sql')).sort().map((f) => f.replace(/\.sql$/, ''));

async function oneName(cluster: Cluster, database: string, sql: string): Promise<string | null> {
  const rows = await cluster.sql<{ name: string }>(database, sql);
  return rows[0]?.name ?? null;
}

const FLYWAY = path.join(FIXTURES, 'flyway', 'shop');
const flywayNames = [...SHOP_NAMES.map((n, i) => `V${i + 1}__${n.slice(4).replace(/-/g, '_')}`), 'R__shop_views'];

const CONTRACT: ToolContract[] = [
  {
    kind: 'node-pg-migrate',
    nightlyHead: 'named',
    ownLock: true,
    projectArgs: ['--migrations', path.join(FIXTURES, 'node-pg-migrate', 'shop')],
    classifyPaths: [path.join(FIXTURES, 'node-pg-migrate', 'shop')],
    migrations: SHOP_NAMES,
    downs: ['yes', 'inferred', 'yes', 'yes', 'yes', 'yes', 'irreversible'],
    undoHead: '004_rename-order-note',
    toolHead: (cluster, database) => oneName(cluster, database, 'SELECT name FROM public.pgmigrations ORDER BY run_on DESC, id DESC LIMIT 1'),
  },
  {
    kind: 'umzug',
    // Its storage here is the config's own table (umzug_migrations), which only the config names.
    nightlyHead: { note: /holds no known migration history table/ },
    ownLock: false,
    projectArgs: ['--config', path.join(FIXTURES, 'umzug', 'shop', 'dbrollback.config.mjs')],
    classifyPaths: [path.join(FIXTURES, 'umzug', 'shop', 'migrations')],
    migrations: SHOP_NAMES,
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'missing'],
    undoHead: '004_rename-order-note',
    toolHead: (cluster, database) => oneName(cluster, database, 'SELECT name FROM public.umzug_migrations ORDER BY applied_at DESC, name DESC LIMIT 1'),
  },
  {
    kind: 'knex',
    nightlyHead: 'named',
    ownLock: true,
    // The knexfile beside the migrations directory is found from it (no --migrator).
    projectArgs: ['--migrations', path.join(FIXTURES, 'knex', 'shop', 'migrations')],
    classifyPaths: [path.join(FIXTURES, 'knex', 'shop', 'migrations')],
    // Knex records the file name, extension included.
    migrations: SHOP_NAMES.map((n) => `${n}.ts`),
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'irreversible'],
    undoHead: '004_rename-order-note.ts',
    toolHead: (cluster, database) => oneName(cluster, database, 'SELECT name FROM public.knex_migrations ORDER BY id DESC LIMIT 1'),
    async holdTableLock(cluster, database) {
      await cluster.sql(database, 'UPDATE public.knex_migrations_lock SET is_locked = 1');
      return async () => void (await cluster.sql(database, 'UPDATE public.knex_migrations_lock SET is_locked = 0'));
    },
    migrationOf: (file) => path.basename(file),
  },
  {
    kind: 'typeorm',
    nightlyHead: 'named',
    ownLock: false,
    // src/data-source.ts beside the migrations folder is found from it (no --migrator).
    projectArgs: ['--migrations', TYPEORM],
    classifyPaths: [TYPEORM],
    // TypeORM records the class name (its `name`), ending in the migration's timestamp.
    migrations: typeormNames,
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'irreversible'],
    undoHead: typeormNames[3]!,
    toolHead: (cluster, database) => oneName(cluster, database, 'SELECT name FROM public.migrations ORDER BY id DESC LIMIT 1'),
    migrationOf: (file) => {
      const [, timestamp, name] = /^(\d{13})-(\w+)\.ts$/.exec(path.basename(file)) ?? [];
      return `${name}${timestamp}`;
    },
  },
  {
    kind: 'drizzle',
    nightlyHead: { note: /drizzle-orm records each migration's hash and its journal time \(created_at\), not its name/ },
    ownLock: false,
    projectArgs: ['--migrations', DRIZZLE],
    classifyPaths: [DRIZZLE],
    migrations: drizzleNames,
    downs: drizzleNames.map(() => 'missing' as const),
    undoHead: drizzleNames[3]!,
    // drizzle-orm reads its head from the newest created_at (the journal's `when`).
    toolHead: async (cluster, database) => {
      const rows = await cluster.sql<{ created_at: string }>(database, 'SELECT created_at::text FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1');
      if (rows.length === 0) return null;
      const journal = JSON.parse(await readFile(path.join(DRIZZLE, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ when: number; tag: string }> };
      return journal.entries.find((e) => String(e.when) === rows[0]!.created_at)?.tag ?? `unknown created_at ${rows[0]!.created_at}`;
    },
  },
  {
    kind: 'prisma',
    nightlyHead: 'named',
    ownLock: true,
    projectArgs: ['--migrations', PRISMA],
    classifyPaths: [PRISMA],
    migrations: prismaNames,
    downs: prismaNames.map(() => 'missing' as const),
    undoHead: prismaNames[3]!,
    toolHead: (cluster, database) =>
      oneName(cluster, database, 'SELECT migration_name AS name FROM public._prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY started_at DESC LIMIT 1'),
    migrationOf: (file) => path.basename(path.dirname(file)),
  },
  {
    kind: 'flyway',
    nightlyHead: 'named',
    ownLock: true,
    projectArgs: ['--migrations', FLYWAY],
    classifyPaths: [FLYWAY],
    migrations: flywayNames,
    // V7 has no U script; Flyway has no undo for repeatables.
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'missing', 'missing'],
    undoHead: flywayNames[3]!,
    // Flyway's current version: the last applied versioned row not undone since.
    toolHead: async (cluster, database) => {
      const rows = await cluster.sql<{ version: string; type: string; script: string }>(database, 'SELECT version, type, script FROM public.flyway_schema_history WHERE success AND version IS NOT NULL ORDER BY installed_rank');
      const applied = new Map<string, string>();
      for (const r of rows) {
        if (r.type === 'UNDO_SQL') applied.delete(r.version);
        else applied.set(r.version, r.script.replace(/\.sql$/, ''));
      }
      return [...applied.values()].at(-1) ?? null;
    },
  },
  {
    kind: 'sql',
    nightlyHead: 'named',
    ownLock: true,
    projectArgs: ['--migrations', path.join(FIXTURES, 'sql', 'shop')],
    classifyPaths: [path.join(FIXTURES, 'sql', 'shop')],
    migrations: SHOP_NAMES,
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'irreversible'],
    undoHead: '004_rename-order-note',
    toolHead: (cluster, database) => oneName(cluster, database, 'SELECT name FROM public.dbrollback_migrations ORDER BY applied_at DESC, name DESC LIMIT 1'),
  },
  {
    kind: 'liquibase',
    nightlyHead: 'named',
    ownLock: true,
    projectArgs: ['--migrations', path.join(FIXTURES, 'liquibase', 'shop')],
    classifyPaths: [path.join(FIXTURES, 'liquibase', 'shop')],
    migrations: SHOP_NAMES,
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'missing'],
    undoHead: '004_rename-order-note',
    toolHead: (cluster, database) => oneName(cluster, database, 'SELECT id AS name FROM public.databasechangelog ORDER BY dateexecuted DESC, orderexecuted DESC LIMIT 1'),
    async holdTableLock(cluster, database) {
      await cluster.sql(database, "UPDATE public.databasechangeloglock SET locked = TRUE, lockedby = 'deploy-host (10.0.0.9)', lockgranted = now() WHERE id = 1");
      return async () => void (await cluster.sql(database, 'UPDATE public.databasechangeloglock SET locked = FALSE, lockedby = NULL, lockgranted = NULL WHERE id = 1'));
    },
  },
  {
    kind: 'sqitch',
    nightlyHead: 'named',
    ownLock: true,
    projectArgs: ['--migrations', path.join(FIXTURES, 'sqitch', 'shop')],
    classifyPaths: [path.join(FIXTURES, 'sqitch', 'shop', 'deploy')],
    migrations: SHOP_NAMES,
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'missing'],
    undoHead: '004_rename-order-note',
    toolHead: (cluster, database) => oneName(cluster, database, 'SELECT change AS name FROM sqitch.changes ORDER BY committed_at DESC LIMIT 1'),
  },
  {
    kind: 'golang-migrate',
    nightlyHead: { note: /golang-migrate records only the version \(4\), and its migrations are named by their files/, version: '4' },
    ownLock: true,
    // Its files are in a format dbrollback's plain SQL reads too: on a database golang-migrate never touched, the project's config names the tool (README).
    projectArgs: ['--config', path.join(GOLANG_MIGRATE, 'dbrollback.config.json')],
    classifyPaths: [path.join(GOLANG_MIGRATE, 'migrations')],
    migrations: SHOP_NAMES,
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'missing'],
    undoHead: '004_rename-order-note',
    // golang-migrate's one row: the version (the files' number), and dirty false once a migration finished.
    toolHead: async (cluster, database) => {
      const rows = await cluster.sql<{ version: string; dirty: boolean }>(database, 'SELECT version::text, dirty FROM public.schema_migrations');
      if (rows.length === 0) return null;
      if (rows.length > 1 || rows[0]!.dirty) return `not golang-migrate's state: ${JSON.stringify(rows)}`;
      return SHOP_NAMES.find((n) => Number(n.slice(0, 3)) === Number(rows[0]!.version)) ?? `version ${rows[0]!.version}`;
    },
    // golang-migrate's `migrate` CLI holds pg_advisory_lock over the URL's path (/dbname), the schema and the table.
    async holdTableLock(cluster, database) {
      const holder = await connect(cluster.conn(database));
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockId(`/${database}`, 'public', 'schema_migrations').toString()]);
      return async () => void (await holder.end());
    },
  },
  {
    kind: 'dbmate',
    nightlyHead: { note: /dbmate records only versions \(the latest \d+\), and its migrations are named by their files/, version: dbmateNames[3]!.split('_')[0]! },
    ownLock: false,
    projectArgs: ['--migrations', DBMATE],
    classifyPaths: [DBMATE],
    migrations: dbmateNames,
    downs: ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'irreversible'],
    undoHead: dbmateNames[3]!,
    // dbmate's rows: one version per applied migration; its head is the highest.
    toolHead: async (cluster, database) => {
      const rows = await cluster.sql<{ version: string }>(database, 'SELECT version FROM public.schema_migrations ORDER BY version DESC LIMIT 1');
      if (rows.length === 0) return null;
      return dbmateNames.find((n) => n.startsWith(`${rows[0]!.version}_`)) ?? `version ${rows[0]!.version}`;
    },
  },
];

interface StatusJson {
  migrator: string;
  head: string | null;
  migrations: Array<{ name: string; applied: boolean; down: DownKind; restorePoint: { name: string; lsn: string } | null; tags?: string[] }>;
  pending: string[];
}

function ok(run: CliRun, what: string): void {
  expect(run.exitCode, `${what}: ${run.stderr}`).toBe(0);
}

describe('the migration-tool contract', () => {
  it('every registered tool has an entry in the contract table', () => {
    expect(CONTRACT.map((c) => c.kind).sort()).toEqual([...MIGRATOR_KINDS].sort());
  });

  let cluster: Cluster;
  beforeAll(async () => {
    // Restore points need wal_level replica (or logical).
    cluster = await startCluster({ settings: { wal_level: 'replica' } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describe.each(CONTRACT)('$kind', (contract) => {
    let database: string;
    let storage: string;
    const flags = () => [...contract.projectArgs, '--database-url', cluster.url(database), '--storage', storage];
    const run = (...args: string[]) => runBuiltCli([...args, ...flags(), '--json']);
    /** A suggested `restore --backup ID.` with this run's flags. */
    const restoreBackup = () => new RegExp(`${escapeRegExp(suggested(flags()))} restore --backup \\S+\\.`);

    beforeAll(async () => {
      database = (await cluster.createDatabase()).database;
      storage = await mkdtemp(path.join(os.tmpdir(), `dbrollback-contract-${contract.kind}-`));
    });

    it('status: detected without --migrator, every migration pending with its down kind; the tool\'s table not created', async () => {
      const status = await run('status');
      ok(status, 'status');
      const doc = status.json<StatusJson>();
      expect(doc.migrator).toBe(contract.kind);
      expect(doc.head).toBeNull();
      expect(doc.migrations.map((m) => [m.name, m.applied, m.down])).toEqual(contract.migrations.map((name, i) => [name, false, contract.downs[i]]));
      expect(await contract.toolHead(cluster, database).catch(() => 'no table')).toBe('no table');
    });

    it('classify: every migration file classified, as this tool\'s', async () => {
      const classify = await runBuiltCli(['classify', ...contract.classifyPaths, ...contract.projectArgs, '--json']);
      ok(classify, 'classify');
      const files = classify.json<{ files: Array<{ path: string; kind: string; compatibility: string; down: { kind: string } | null }> }>().files;
      expect(files.map((f) => contract.migrationOf?.(f.path) ?? path.basename(f.path).replace(/(\.up)?\.[^.]+$/, ''))).toEqual(contract.migrations);
      expect(files.every((f) => f.kind === contract.kind)).toBe(true);
      // The rename is breaking for every tool: the verdict does not depend on who runs it.
      expect(files.find((f) => (contract.migrationOf?.(f.path) ?? f.path).includes(contract.undoHead))?.compatibility).toBe('breaking');
    });

    it('migrate: applies through the tool with a restore point before each migration, recorded in the storage and shown by status', async () => {
      ok(await run('migrate', '--count', '2'), 'migrate --count 2');
      await cluster.sql(database, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
      const migrate = await run('migrate', '--to', contract.undoHead);
      ok(migrate, `migrate --to ${contract.undoHead}`);
      const applied = contract.migrations.slice(0, contract.migrations.indexOf(contract.undoHead) + 1);
      expect(migrate.json<{ headAfter: string }>().headAfter).toBe(contract.undoHead);
      expect(await contract.toolHead(cluster, database)).toBe(contract.undoHead);

      const recorded = (await readdir(path.join(storage, 'restore-points'))).map((d) => decodeURIComponent(d)).sort();
      // Stored by name: TypeORM's class names do not sort in apply order.
      expect(recorded).toEqual([...applied].sort());
      const status = (await run('status')).json<StatusJson>();
      expect(status.head).toBe(contract.undoHead);
      expect(status.migrations.filter((m) => m.applied).map((m) => m.restorePoint?.name)).toEqual(applied.map((name) => `dbrollback:before:${name}`));
    });

    it('backup: the migration head is recorded in the manifest', async () => {
      const backup = await run('backup', '--label', 'contract');
      ok(backup, 'backup');
      const id = backup.json<{ backup: { id: string } }>().backup.id;
      const listed = (await run('backups')).json<{ backups: Array<{ id: string; migrationHead: string | null }> }>().backups;
      expect(listed.find((b) => b.id === id)?.migrationHead).toBe(contract.undoHead);
    });

    it(contract.nightlyHead === 'named'
      ? 'backup with no migrations configured (a nightly job): the manifest records the head the tool reports, read from its history table'
      : 'backup with no migrations configured (a nightly job): the history table cannot name the head as the tool does, and the manifest says why', async () => {
      // A directory with no ./migrations and no config, and no project flags: a database and a storage, nothing else.
      const cwd = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-nightly-'));
      const nightly = await runBuiltCli(['backup', '--database-url', cluster.url(database), '--storage', storage, '--label', 'nightly', '--json'], { cwd });
      ok(nightly, 'nightly backup');
      const id = nightly.json<{ backup: { id: string } }>().backup.id;
      const manifest = JSON.parse(await readFile(path.join(storage, 'backups', id, 'manifest.json'), 'utf8')) as { migrationHead: string | null; migrator: string | null; migrationHeadNote?: string; migrationHeadVersion?: unknown };
      const status = (await run('status')).json<StatusJson>();
      if (contract.nightlyHead === 'named') {
        expect(manifest).toMatchObject({ migrationHead: status.head, migrator: contract.kind });
        expect(manifest.migrationHead).toBe(contract.undoHead);
        expect(manifest.migrationHeadNote).toBeUndefined();
      } else {
        expect(manifest).toMatchObject({ migrationHead: null, migrator: null });
        expect(manifest.migrationHeadNote).toMatch(contract.nightlyHead.note);
        const version = contract.nightlyHead.version;
        expect(manifest.migrationHeadVersion).toEqual(version === undefined ? undefined : { migrator: contract.kind, version });
        // The version is the one status gives the head among its tags: what restore --before-migration matches it with.
        if (version !== undefined) expect(status.migrations.find((m) => m.name === status.head)?.tags).toContain(version);
      }
    });

    const hasDowns = contract.downs.some((d) => d === 'yes' || d === 'inferred');

    it(hasDowns ? 'plan --count 1: the breaking, reversible head is an undo' : 'plan --count 1: the tool has no downs, so the plan is a restore, said plainly, with the touched table first', async () => {
      const plan = await run('plan', '--count', '1');
      ok(plan, 'plan');
      const doc = plan.json<{ type: string; migrator: string; reasons: string[]; recommendation: string; toolHasDowns: boolean; migrations: Array<{ name: string; down: string }> }>();
      expect(doc.migrator).toBe(contract.kind);
      expect(doc.type).toBe(hasDowns ? 'undo' : 'restore');
      expect(doc.toolHasDowns).toBe(hasDowns);
      expect(doc.migrations.map((m) => [m.name, m.down])).toEqual([[contract.undoHead, contract.downs[contract.migrations.indexOf(contract.undoHead)]]]);
      if (!hasDowns) {
        expect(doc.reasons[0]).toContain(`${toolOf(contract.kind)!.displayName} has no down migrations`);
        // This cluster archives no WAL: the table route (a point-in-time restore) cannot run, and the plan says so; the way
        // back is the logical backup migrate took, with what to apply again after it.
        expect(doc.recommendation).not.toContain('--tables');
        expect(doc.recommendation).toMatch(new RegExp(`The whole database: ${restoreBackup().source}`));
        expect(doc.recommendation).toContain('only the touched tables is not offered: they are recovered through a point-in-time restore');
      }
    });

    if (!hasDowns) it('undo --count 1: refused before anything changes (exit 4), naming the restore to run instead', async () => {
      const undo = await run('undo', '--count', '1', '--yes');
      expect(undo.exitCode).toBe(4);
      const error = undo.json<{ error: { code: string; message: string; hint: string } }>().error;
      expect(error.code).toBe('IRREVERSIBLE');
      expect(error.message).toContain('has no down migrations');
      expect(error.hint).toMatch(restoreBackup());
      expect(await contract.toolHead(cluster, database)).toBe(contract.undoHead);
    });

    if (!hasDowns) it('status says there is no down: the way back past each migration is a restore', async () => {
      const doc = (await run('status')).json<Omit<StatusJson, 'migrations'> & { toolHasDowns: boolean; migrations: Array<{ wayBack: string }> }>();
      expect(doc.toolHasDowns).toBe(false);
      expect(doc.migrations.every((m) => m.wayBack === 'restore')).toBe(true);
    });

    if (hasDowns) it('undo --count 1: through the tool, verified; the tool\'s own history agrees', async () => {
      const undo = await run('undo', '--count', '1', '--yes');
      ok(undo, 'undo');
      const doc = undo.json<{ ok: boolean; undone: string[] }>();
      expect(doc.ok).toBe(true);
      expect(doc.undone).toEqual([contract.undoHead]);
      const before = contract.migrations[contract.migrations.indexOf(contract.undoHead) - 1]!;
      expect((await run('status')).json<StatusJson>().head).toBe(before);
      expect(await contract.toolHead(cluster, database)).toBe(before);
    });

    // A tool run as a program per migration (Sqitch: ~2 s a run) walks 20 of them here.
    it(hasDowns ? 'drill migrations (local provider): every down rehearsed up -> down -> up; the one without a usable down is skipped' : 'drill migrations (local provider): the restore before each migration rehearsed instead of a down, every one matching', { timeout: 240_000 }, async () => {
      const drill = await runBuiltCli(['drill', 'migrations', '--provider', 'local', ...contract.projectArgs, '--json']);
      ok(drill, 'drill');
      const doc = drill.json<{ ok: boolean; provider: string; scenarios: Array<{ name: string; status: string; steps: Array<{ name: string; status: string }> }> }>();
      expect(doc.ok).toBe(true);
      expect(doc.provider).toBe('local');
      const steps = doc.scenarios[0]!.steps;
      if (!hasDowns) {
        expect(steps.filter((s) => s.name.startsWith('restore before ')).map((s) => [s.name, s.status])).toEqual([...contract.migrations].reverse().map((m) => [`restore before ${m}`, 'pass']));
        expect(steps.filter((s) => s.status !== 'pass')).toEqual([]);
        return;
      }
      const skipped = contract.migrations.filter((_, i) => contract.downs[i] === 'irreversible' || contract.downs[i] === 'missing');
      // The drill walks back from the newest migration: the skipped downs come newest first.
      expect(steps.filter((s) => s.status === 'skip').map((s) => s.name)).toEqual(skipped.reverse().map((name) => `down ${name}`));
      expect(steps.filter((s) => s.status === 'fail')).toEqual([]);
    });

    it('never acts while the tool\'s own lock is held: migrate refused (LOCK_HELD, exit 1) naming it, nothing applied', async () => {
      const tool = toolOf(contract.kind)!;
      expect(tool.locks.length > 0).toBe(contract.ownLock);
      expect(tool.hasDowns).toBe(hasDowns);
      const headBefore = await contract.toolHead(cluster, database);
      for (const lock of tool.locks) {
        const holder = await connect(cluster.conn(database));
        let release: (() => Promise<void>) | undefined;
        try {
          if ('key' in lock) await holder.query('SELECT pg_advisory_lock($1::bigint)', [lock.key.toString()]);
          else release = await contract.holdTableLock!(cluster, database);
          const migrate = await run('migrate', '--count', '1');
          expect(migrate.exitCode).toBe(1);
          const error = migrate.json<{ error: { code: string; message: string } }>().error;
          expect(error.code).toBe('LOCK_HELD');
          expect(error.message).toContain(lock.owner);
        } finally {
          await release?.();
          await holder.end();
        }
        expect(await contract.toolHead(cluster, database)).toBe(headBefore);
      }
    });
  });
});
