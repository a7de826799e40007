/**
 * Prisma: migrations applied as `prisma migrate deploy` applies them — each
 * migration.sql sent whole in one simple query (so PostgreSQL runs a file of
 * several statements as one implicit transaction, and a lone
 * CREATE INDEX CONCURRENTLY outside one), its `_prisma_migrations` row
 * written around it exactly as deploy writes it, under Prisma Migrate's own
 * advisory lock — one migration per call, so `migrate` can put a restore
 * point before each. Like deploy, it refuses a database with a failed
 * migration recorded (P3009) and a non-empty schema without the history
 * table (P3005), before anything runs. The statements run with the
 * datasource's schema first on the search_path, as Prisma's connection sets
 * it.
 *
 * That is the native schema engine's way, the one production deploys use.
 * Prisma's driver-adapter path (engine "js", @prisma/adapter-pg 7's
 * executeScript) splits the file at every ';' — comments and strings too —
 * and runs the pieces one by one outside a transaction; a migration that
 * relies on either behaviour (a ';' in a comment, a failure halfway) can
 * differ between the two, and dbrollback follows the native engine.
 *
 * Prisma has no down migrations: undo is refused with the restore to use,
 * before anything is touched.
 */
import { DbrollbackError } from '../../errors.js';
import { quoteIdent, withDb, type Db } from '../../db/connection.js';
import { advisoryLockHolder, describeHolder } from '../../db/lock.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import { onSession } from '../../db/session.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { noDownSql, noDownsRefusal } from '../no-downs.js';
import { assertUpCount, migrationNotDefined, selectForDown } from '../select.js';
import { statusOf } from '../status-of.js';
import { listMigrations, readScript, type PrismaMigration } from './files.js';
import { createTable, DEFAULT_SCHEMA, isApplied, isFailed, otherTables, PRISMA_LOCK_KEY, PRISMA_TABLE, readRows, recordFailed, recordFinished, recordStarted, tableExists, type PrismaRow } from './history.js';

export const PRISMA_NAME = 'Prisma';
export const PRISMA_LOCK = { key: PRISMA_LOCK_KEY, owner: 'prisma migrate' } as const;

export function createPrismaAdapter(options: AdapterOptions): MigratorAdapter {
  return new PrismaAdapter(options);
}

class PrismaAdapter implements MigratorAdapter {
  readonly kind = 'prisma' as const;
  readonly historyTable: { schema: string; table: string };
  readonly toolLocks = [PRISMA_LOCK];

  constructor(private readonly options: AdapterOptions) {
    this.historyTable = { schema: options.migrationsSchema ?? DEFAULT_SCHEMA, table: PRISMA_TABLE };
  }

  private get schema(): string {
    return this.historyTable.schema;
  }

  async status(): Promise<MigrationStatus> {
    const migrations = await listMigrations(this.options.migrationsDir);
    return onSession(this.options.session, this.options.conn, async (db) => {
      const rows = await readRows(db, this.schema);
      return statusFrom(migrations, rows, await advisoryLockHolder(db, PRISMA_LOCK.key));
    });
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, _options?: RunDownOptions): Promise<DownResult> {
    throw noDownsRefusal(PRISMA_NAME, await this.select(target));
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    assertUpCount(count);
    const migrations = await listMigrations(this.options.migrationsDir);
    return withDb(this.options.conn, async (db) => {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      await lockOrFail(db);
      try {
        await this.initialize(db);
        const rows = await readRows(db, this.schema);
        refuseFailed(rows);
        const recorded = new Set(rows.filter((r) => r.rolledBackAt === null).map((r) => r.migrationName));
        const toApply = migrations.filter((m) => !recorded.has(m.name)).slice(0, count ?? Number.POSITIVE_INFINITY);
        await db.query(`SET search_path TO ${quoteIdent(this.schema)}`);
        const done: string[] = [];
        for (const m of toApply) {
          await applyOne(db, this.schema, m, done);
          done.push(m.name);
        }
        return done;
      } finally {
        await db.query('SELECT pg_advisory_unlock($1::bigint)', [PRISMA_LOCK.key.toString()]).catch(() => undefined);
      }
    });
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const migration = (await listMigrations(this.options.migrationsDir)).find((m) => m.name === name);
    if (!migration) throw migrationNotDefined(name, this.options.migrationsDir);
    if (direction === 'down') return noDownSql(PRISMA_NAME, name);
    return { name, direction, sql: (await readScript(migration)).text, source: 'file', path: migration.path, note: null };
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }

  /** The schema engine's initialize: the table exists, or the schema is empty and it is created. */
  private async initialize(db: Db): Promise<void> {
    if (await tableExists(db, this.schema)) return;
    const others = await otherTables(db, this.schema);
    if (others.length > 0) {
      throw new DbrollbackError('MIGRATIONS_INVALID', `schema ${this.schema} holds tables (${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}) but no ${PRISMA_TABLE}: Prisma refuses to migrate a non-empty schema it has no history of (P3005), and so does dbrollback`, {
        hint: 'Baseline the database first (prisma migrate resolve --applied <the migration it already matches>), then run again. Nothing was applied.',
      });
    }
    await createTable(db, this.schema);
  }
}

async function applyOne(db: Db, schema: string, m: PrismaMigration, done: readonly string[]): Promise<void> {
  const { text, checksum } = await readScript(m);
  const id = await recordStarted(db, schema, m.name, checksum);
  try {
    // One simple query, as the schema engine sends it.
    await db.query(text);
  } catch (err) {
    await recordFailed(db, schema, id, logsOf(err)).catch(() => undefined);
    throw new DbrollbackError(
      'MIGRATION_FAILED',
      `applying ${m.name} failed: ${(err as Error).message}. PostgreSQL ran its migration.sql as one implicit transaction (unless the file commits itself or holds a statement that cannot run in one), so its statements were rolled back; ${PRISMA_TABLE} now records it as failed, exactly as prisma migrate deploy would. ` +
        (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied before it.'),
      {
        hint: `Fix ${m.path}, then mark the failed attempt rolled back (prisma migrate resolve --rolled-back ${m.name}) and run again: Prisma and dbrollback refuse to go on while a failed migration is recorded.`,
        cause: err,
        // Recorded as failed: the next migrate is refused until it is resolved, so the hint above is the way on.
        details: { applied: [...done], failed: m.name, recordedFailed: true },
      },
    );
  }
  await recordFinished(db, schema, id);
}

/** The error as the schema engine renders a database error into `logs` (Prisma only shows it). */
function logsOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${e.code ? `Database error code: ${e.code}\n\n` : ''}Database error:\nERROR: ${e.message ?? String(err)}\n`;
}

async function lockOrFail(db: Db): Promise<void> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [PRISMA_LOCK.key.toString()]);
  if (rows[0]?.ok) return;
  const holder = await advisoryLockHolder(db, PRISMA_LOCK.key);
  throw new DbrollbackError('LOCK_HELD', `Prisma Migrate is running on this database (its advisory lock ${PRISMA_LOCK.key} is held by ${holder ? describeHolder(holder) : 'another session'}: ${PRISMA_LOCK.owner})`, {
    hint: 'Wait for the running prisma migrate to finish (or end that session if it is stuck) and try again. Nothing was applied.',
    details: { holder, owner: PRISMA_LOCK.owner },
  });
}

/** P3009: deploy will not go on past a failed migration. */
function refuseFailed(rows: readonly PrismaRow[]): void {
  const blocked = failedBlock(rows);
  if (blocked) throw new DbrollbackError('MIGRATIONS_INVALID', blocked.message, { hint: blocked.hint, details: blocked.details });
}

/**
 * A failed migration recorded blocks deploy (P3009) until `prisma migrate resolve`; plan and undo may go on (the
 * way back is a restore either way, and the restore is how a half-done migration that committed itself is undone).
 */
function failedBlock(rows: readonly PrismaRow[]): NonNullable<MigrationStatus['migrateBlocked']> | null {
  const failed = rows.filter(isFailed);
  if (failed.length === 0) return null;
  return {
    message: `${PRISMA_TABLE} records failed migration${failed.length === 1 ? '' : 's'} ${failed.map((r) => `${r.migrationName} (started ${r.startedAt.toISOString()})`).join(', ')}: Prisma refuses to apply anything while one is recorded (P3009), and so does dbrollback`,
    hint: `Look at what it left behind, then prisma migrate resolve --rolled-back ${failed[0]!.migrationName} (or --applied once finished by hand), and run again. Nothing was applied.`,
    details: { failed: failed.map((r) => ({ name: r.migrationName, startedAt: r.startedAt.toISOString(), logs: r.logs })) },
  };
}

function statusFrom(migrations: readonly PrismaMigration[], rows: readonly PrismaRow[], lockHolder: MigrationStatus['lockHolder']): MigrationStatus {
  const appliedRows = new Map<string, PrismaRow>();
  for (const r of rows.filter(isApplied)) if (!appliedRows.has(r.migrationName)) appliedRows.set(r.migrationName, r);
  const history = [...appliedRows.values()].map((r) => ({ name: r.migrationName, appliedAt: r.finishedAt }));
  const status = statusOf('prisma', history, migrations.map((m) => ({ name: m.name, path: m.path, down: 'missing' as const })), lockHolder);
  const failed = rows.filter(isFailed);
  const migrateBlocked = failedBlock(rows);
  return failed.length > 0 && migrateBlocked
    ? {
        ...status,
        warnings: failed.map((r) => `${r.migrationName} is recorded as failed (started ${r.startedAt.toISOString()}${r.logs ? `: ${r.logs.trim().split('\n').at(-1)}` : ''}): Prisma and dbrollback apply nothing until it is resolved (prisma migrate resolve)`),
        migrateBlocked,
      }
    : status;
}
