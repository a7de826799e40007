/**
 * umzug behind the adapter contract, driving the project's own Umzug
 * instance (exported as `umzug` from dbrollback.config.mjs/js — the instance,
 * or a possibly async function returning it, called with the database URL).
 *
 * umzug has neither a lock nor transactions of its own: downs run one by one
 * (singleTransaction false), each as atomic as the project's context makes it
 * (migrations-fixtures/umzug/shop shows the recommended pattern: a transaction
 * per migration opened in `reverting`/`migrating`, committed in
 * `reverted`/`migrated`). Applied-at comes from the storage when it offers
 * `executedWithTimes({context})`, else it is null.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { connToUrl, type ConnInfo } from '../../db/conninfo.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { withPgOptionsLockTimeout } from '../../db/lock-wait.js';
import { selectForDown } from '../select.js';
import { assertReversible } from '../down-guard.js';
import { downConvention } from '../down-convention.js';
import { downOutcome } from '../down-outcome.js';
import { loadModule } from '../load-module.js';
import { statusOf, type Definition } from '../status-of.js';
import { requireCommonJsMigrations } from './commonjs-resolver.js';
import { findUmzugExport } from './detect.js';
import { historyInListOrder, readHistory, type UmzugStorage } from './history.js';

/** What the `umzug` export of the config may be called with, when it is a function. */
export interface UmzugFactoryInput {
  databaseUrl: string;
  conn: ConnInfo;
  /** The migrations directory, when one is configured (--migrations, config, ./migrations). */
  migrationsDir?: string;
}

interface RunnableMigration {
  name: string;
  path?: string;
  up: (params: unknown) => unknown;
  down?: ((params: unknown) => unknown) | false;
}


/** The parts of an Umzug 3 instance dbrollback uses (duck-typed: the project may bundle its own copy of umzug). */
interface UmzugLike {
  migrations(context: unknown): Promise<readonly RunnableMigration[]>;
  up(options?: { step?: number }): Promise<Array<{ name: string }>>;
  down(options?: { step?: number; to?: string }): Promise<Array<{ name: string }>>;
  on(event: string, listener: (data: { name: string }) => unknown): () => void;
  options: { storage?: UmzugStorage; context?: unknown };
  /** Protected in umzug's types, but the way to get a context with the project's before/afterCommand hooks applied. */
  runCommand?<T>(command: string, cb: (params: { context: unknown }) => Promise<T>): Promise<T>;
  storage?: UmzugStorage;
}

/**
 * The config's `closeUmzug(instance)`, called once dbrollback is done with an
 * instance (an Umzug over Sequelize keeps a pool open; without this the
 * process would wait for its idle connections to time out).
 */
export function findUmzugCloser(module: Record<string, unknown> | undefined): ((instance: unknown) => unknown) | undefined {
  if (module === undefined) return undefined;
  const fallback = module.default;
  const closer = module.closeUmzug ?? (typeof fallback === 'object' && fallback !== null ? (fallback as Record<string, unknown>).closeUmzug : undefined);
  return typeof closer === 'function' ? (closer as (instance: unknown) => unknown) : undefined;
}

/** Close an instance with the config's `closeUmzug`, when it exports one; a failure to close is not the command's failure. */
export async function closeUmzugInstance(module: Record<string, unknown> | undefined, instance: unknown): Promise<void> {
  const closer = findUmzugCloser(module);
  if (closer === undefined || instance === undefined) return;
  await Promise.resolve(closer(instance)).catch(() => undefined);
}

export function createUmzugAdapter(options: AdapterOptions): MigratorAdapter {
  return new UmzugAdapter(options);
}

interface Snapshot {
  status: MigrationStatus;
}

class UmzugAdapter implements MigratorAdapter {
  readonly kind = 'umzug' as const;
  /** umzug takes no lock of its own. */
  readonly toolLocks = [];
  private instance: Promise<UmzugLike> | undefined;

  constructor(private readonly options: AdapterOptions) {}

  /** umzug's storage is the project's own: its table is known only when the config names it (migrationsTable). */
  get historyTable(): { schema: string; table: string } | null {
    const table = this.options.migrationsTable;
    return table ? { schema: this.options.migrationsSchema ?? 'public', table } : null;
  }

  async status(): Promise<MigrationStatus> {
    return (await this.snapshot()).status;
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const { status } = await this.snapshot();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const { status } = await this.snapshot();
    const selection = selectForDown(status.applied, target, status.migrations);
    if (selection.length === 0) return { steps: [], singleTransaction: false, headAfter: status.head };
    // umzug would call a missing `down` as a no-op and then drop the record: refuse first.
    assertReversible(selection);

    const durations = new Map<string, number>();
    let current: string | undefined;
    let startedAt = 0;
    let error: unknown;
    await this.underLockTimeout(runOptions.lockTimeoutMs, async (umzug) => {
      const offReverting = umzug.on('reverting', ({ name }) => {
        current = name;
        startedAt = Date.now();
        runOptions.onStep?.(name);
      });
      const offReverted = umzug.on('reverted', ({ name }) => {
        durations.set(name, Date.now() - startedAt);
      });
      try {
        // umzug's `to` is inclusive (that migration is reverted too): ours keeps NAME applied,
        // so pass the oldest migration to undo.
        await umzug.down('count' in target ? { step: selection.length } : { to: selection.at(-1)!.name });
      } catch (err) {
        error = err;
        if (current !== undefined && !durations.has(current)) durations.set(current, Date.now() - startedAt);
      } finally {
        offReverting();
        offReverted();
      }
    });
    const after = await this.snapshot();
    return downOutcome({
      kind: this.kind,
      selection,
      appliedAfter: after.status.applied.map((m) => m.name),
      singleTransaction: false,
      durations,
      ...(error !== undefined ? { error, failedName: failedMigration(error) ?? current } : {}),
    });
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    return this.underLockTimeout(upOptions.lockTimeoutMs, async (umzug) => {
      const done: string[] = [];
      const off = umzug.on('migrated', ({ name }) => {
        done.push(name);
      });
      try {
        const ran = await umzug.up(count !== undefined ? { step: count } : undefined);
        return ran.map((m) => m.name);
      } catch (err) {
        const failed = failedMigration(err);
        throw new DbrollbackError(
          'MIGRATION_FAILED',
          `umzug up failed${failed ? ` in ${failed}` : ''}: ${causeMessage(err)}. ` + (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied.'),
          { hint: 'Fix the failing migration and run again: only pending migrations are applied.', cause: err, details: { applied: done, failed: failed ?? null } },
        );
      } finally {
        off();
      }
    });
  }

  /**
   * Run downs or ups with every connection they open starting with the lock
   * timeout (PGOPTIONS, read by node-postgres when it connects). A context
   * holding a pool (a pg Pool, Sequelize) reuses the idle connections the
   * status reads before opened without it, so the DDL would wait for locks
   * with no limit, queueing the application behind it: when the config
   * exports a factory, the run gets an instance of its own, made and closed
   * here. An exported instance is the only one there is.
   */
  private async underLockTimeout<T>(lockTimeoutMs: number | undefined, fn: (umzug: UmzugLike) => Promise<T>): Promise<T> {
    const exported = findUmzugExport(this.options.configModule);
    if (lockTimeoutMs === undefined || typeof exported !== 'function' || isUmzugLike(exported)) {
      const umzug = await this.umzug();
      return withPgOptionsLockTimeout(lockTimeoutMs, () => fn(umzug));
    }
    return withPgOptionsLockTimeout(lockTimeoutMs, async () => {
      const own = await this.resolveInstance();
      try {
        return await fn(own);
      } finally {
        await closeUmzugInstance(this.options.configModule, own);
      }
    });
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const found = (await this.status()).migrations.find((m) => m.name === name);
    if (!found) throw new DbrollbackError('MIGRATION_NOT_FOUND', `the umzug instance defines no migration named ${name}`, { hint: 'Run `dbrollback status` for the migrations umzug knows.' });
    // umzug migrations are functions over the project's own context: what they send is only known by running them.
    return { name, direction, sql: '', source: 'unknown', path: found.path, note: 'umzug migrations are code; their SQL is only known by running them' };
  }

  async close(): Promise<void> {
    // The project's instance owns its connections; the config's closeUmzug (if any) releases them.
    const instance = this.instance;
    this.instance = undefined;
    if (instance === undefined) return;
    await closeUmzugInstance(this.options.configModule, await instance.catch(() => undefined));
  }

  private async snapshot(): Promise<Snapshot> {
    const umzug = await this.umzug();
    const storage = umzug.storage ?? umzug.options.storage;
    if (storage === undefined || typeof storage.executed !== 'function') {
      throw new DbrollbackError('CONFIG_INVALID', 'the umzug instance has no readable storage', {
        hint: 'Give the Umzug instance a storage (e.g. a table-backed storage) in dbrollback.config.*.',
      });
    }
    return withContext(umzug, async (context) => {
      const [list, recorded] = await Promise.all([umzug.migrations(context), readHistory(storage, context)]);
      const definitions = await Promise.all(list.map(async (m): Promise<Definition> => ({ name: m.name, path: m.path ?? null, ...(await umzugDownKind(m)) })));
      const status = statusOf(this.kind, historyInListOrder(list, recorded), definitions, null);
      const known = new Set(list.map((m) => m.name));
      status.missingDefinitions = recorded.names.filter((n) => !known.has(n));
      if (typeof storage.executedWithTimes !== 'function') status.appliedAtNote = noTimesNote(storage, this.options.migrationsTable);
      return { status };
    });
  }

  private umzug(): Promise<UmzugLike> {
    this.instance ??= this.resolveInstance();
    return this.instance;
  }

  private async resolveInstance(): Promise<UmzugLike> {
    const exported = findUmzugExport(this.options.configModule);
    if (exported === undefined) {
      throw new DbrollbackError('CONFIG_INVALID', 'the config module does not export `umzug`', {
        hint: 'In dbrollback.config.mjs, `export const umzug = new Umzug({...})` or `export async function umzug({ databaseUrl }) { return new Umzug({...}) }`.',
      });
    }
    let value: unknown = exported;
    if (typeof exported === 'function' && !isUmzugLike(exported)) {
      const input: UmzugFactoryInput = {
        databaseUrl: connToUrl(this.options.conn),
        conn: this.options.conn,
        // AdapterOptions requires a directory; '' means none was configured.
        ...(this.options.migrationsDir !== '' ? { migrationsDir: this.options.migrationsDir } : {}),
      };
      try {
        value = await (exported as (input: UmzugFactoryInput) => unknown)(input);
      } catch (cause) {
        throw new DbrollbackError('CONFIG_INVALID', `the config's umzug() function failed: ${(cause as Error).message}`, {
          hint: 'Fix the umzug factory in dbrollback.config.*; it receives { databaseUrl, conn } and returns an Umzug instance.',
          cause,
        });
      }
    }
    if (!isUmzugLike(value)) {
      throw new DbrollbackError('CONFIG_INVALID', 'the config\'s `umzug` export is not an Umzug instance (nor a function returning one)', {
        hint: 'Export the Umzug instance itself, or a (possibly async) function returning it.',
      });
    }
    requireCommonJsMigrations(value);
    return value;
  }
}

function isUmzugLike(value: unknown): value is UmzugLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['up', 'down', 'executed', 'pending', 'migrations', 'on'].every((k) => typeof v[k] === 'function') && typeof v.options === 'object';
}

/** Run `fn` with a context made the way umzug makes it, so the project's before/afterCommand hooks (connections) apply. */
async function withContext<T>(umzug: UmzugLike, fn: (context: unknown) => Promise<T>): Promise<T> {
  if (typeof umzug.runCommand === 'function') return umzug.runCommand('dbrollback-status', async ({ context }) => fn(context));
  const raw = umzug.options.context;
  return fn(typeof raw === 'function' ? await (raw as () => unknown)() : raw ?? {});
}

/**
 * umzug's default resolver wraps every file in an `up`/`down` pair, so `down`
 * is always a function: the module itself — loaded as its own tool loads it,
 * CommonJS through `require` — tells whether a down exists, and whether it is
 * one by convention only (a `throw`, or nothing). A `NAME.up.sql` run by
 * the SQL resolver umzug's README shows has its down in `NAME.down.sql`.
 */
export async function umzugDownKind(m: { path?: string; down?: unknown }): Promise<Pick<Definition, 'down' | 'downNote'>> {
  if (m.down === false) return { down: 'irreversible' };
  // umzug's documented SQL resolver reads NAME.down.sql beside NAME.up.sql when the down runs: without that file the down only fails.
  if (typeof m.down === 'function' && m.path !== undefined && /\.up\.sql$/i.test(m.path)) {
    const downFile = m.path.replace(/\.up\.sql$/i, '.down.sql');
    if (!(await isFile(downFile))) return { down: 'missing', downNote: `no ${path.basename(downFile)} beside ${path.basename(m.path)}` };
  }
  if (m.path !== undefined && /\.(c|m)?(j|t)s$/i.test(m.path)) {
    const module = await loadModule(m.path).then(
      (loaded) => loaded.exports,
      () => undefined,
    );
    const exports = (module && typeof module.up !== 'function' && typeof module.default === 'object' && module.default !== null ? module.default : module) as Record<string, unknown> | undefined;
    if (exports && typeof exports.up === 'function') {
      if (exports.down === false) return { down: 'irreversible' };
      if (typeof exports.down !== 'function') return { down: 'missing' };
      return byConvention(exports.down);
    }
  }
  return typeof m.down === 'function' ? byConvention(m.down) : { down: 'missing' };
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

function byConvention(down: unknown): Pick<Definition, 'down' | 'downNote'> {
  const convention = downConvention(down);
  if (convention?.kind === 'throws') return { down: 'irreversible', downNote: `its down throws${convention.message ? ` ("${convention.message}")` : ''}` };
  if (convention?.kind === 'empty') return { down: 'empty', downNote: 'its down does nothing' };
  return { down: 'yes' };
}

function noTimesNote(storage: UmzugStorage & { tableName?: unknown; modelName?: unknown }, configured: string | undefined): string {
  const then = 'restore --before-migration needs a restore point made by `dbrollback migrate` or a logical backup taken before the migration';
  // SequelizeStorage's table holds only names; a storage of the project's own may keep times umzug never asks for.
  const sequelizeTable = typeof storage.tableName === 'string' ? storage.tableName : typeof storage.modelName === 'string' ? storage.modelName : undefined;
  if (sequelizeTable !== undefined) return `${sequelizeTable} keeps no applied-at times (its storage records only names): ${then}`;
  const which = configured ? `the umzug storage (table ${configured})` : 'the umzug storage';
  return `${which} gives no applied-at times (umzug asks a storage only for names: give it an executedWithTimes({ context }) method returning { name, appliedAt } to show them): ${then}`;
}

/** umzug's MigrationError names the migration it was running. */
function failedMigration(err: unknown): string | undefined {
  const info = (err as { migration?: { name?: unknown } } | undefined)?.migration;
  return typeof info?.name === 'string' ? info.name : undefined;
}

function causeMessage(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
