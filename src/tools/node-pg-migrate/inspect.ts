/**
 * What a node-pg-migrate migration's down would do, decided without a
 * database: its actions run against a MigrationBuilder whose `db` refuses
 * every query, so only the SQL steps it would generate are collected. This is
 * the same mechanism node-pg-migrate itself uses to infer a down (reverse mode).
 */
import type { MigrationBuilder } from 'node-pg-migrate/migrationBuilder';
import { loadNodePgMigrate } from './load.js';
import type { DownKind } from '../contract.js';
import { hasSql } from '../../sql/sql-text.js';
import { downConvention } from '../down-convention.js';

/** The slice of node-pg-migrate's Migration this module reads. */
export interface LoadedMigration {
  name: string;
  path: string;
  up?: false | MigrationAction;
  down?: false | MigrationAction;
  typeShorthands?: unknown;
}

type MigrationAction = (pgm: MigrationBuilder, run?: () => void) => Promise<void> | void;

export interface DownInspection {
  down: DownKind;
  /** False when the down calls `pgm.noTransaction()` (it breaks a single transaction). */
  usesTransaction: boolean;
  /** Why the down kind was chosen, for messages. */
  note: string;
}

/** Thrown by the collecting builder's `db` when a migration queries the database while it is built. */
class DryRunDbAccess extends Error {
  constructor() {
    super('dbrollback inspects migrations without a database');
  }
}

const refuseDb = {
  query: async () => {
    throw new DryRunDbAccess();
  },
  select: async () => {
    throw new DryRunDbAccess();
  },
};

const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A callback-style action (`(pgm, run) => ...`) that never calls `run` must not hang us. */
const CALLBACK_TIMEOUT_MS = 5_000;

export async function inspectDown(migration: LoadedMigration, options: { decamelize?: boolean } = {}): Promise<DownInspection> {
  const isSqlFile = migration.path.toLowerCase().endsWith('.sql');
  if (migration.down === false) {
    // node-pg-migrate's .sql format sets down = false when the file has no `-- Down Migration` section:
    // nobody declared it irreversible, the down was simply not written.
    return isSqlFile
      ? { down: 'missing', usesTransaction: true, note: 'the file has no "-- Down Migration" section' }
      : { down: 'irreversible', usesTransaction: true, note: 'declared irreversible (down = false)' };
  }

  if (typeof migration.down === 'function') {
    const built = await build(migration, migration.down, false, options);
    if (built.dbAccess) return { down: 'yes', usesTransaction: built.usesTransaction, note: 'down queries the database directly' };
    if (built.error !== undefined) {
      // A down written only to throw is the project's way of saying "irreversible".
      const convention = downConvention(migration.down);
      if (convention?.kind === 'throws') return { down: 'irreversible', usesTransaction: built.usesTransaction, note: `its down throws${convention.message ? ` ("${convention.message}")` : ''}` };
      return { down: 'yes', usesTransaction: built.usesTransaction, note: `down could not be inspected (${built.error})` };
    }
    if (!built.steps.some(hasSql)) return { down: 'empty', usesTransaction: built.usesTransaction, note: 'its down does nothing' };
    return { down: 'yes', usesTransaction: built.usesTransaction, note: 'has a down migration' };
  }

  if (typeof migration.up !== 'function') return { down: 'missing', usesTransaction: true, note: 'no up or down function exported' };
  // No down exported: node-pg-migrate runs `up` in reverse mode; it throws for operations it cannot reverse.
  const reversed = await build(migration, migration.up, true, options);
  if (reversed.error !== undefined || reversed.dbAccess) {
    return { down: 'missing', usesTransaction: reversed.usesTransaction, note: 'no down written, and node-pg-migrate cannot infer one' };
  }
  return { down: 'inferred', usesTransaction: reversed.usesTransaction, note: 'down inferred by node-pg-migrate from reversible operations' };
}

interface Built {
  steps: string[];
  usesTransaction: boolean;
  dbAccess: boolean;
  error: string | undefined;
}

async function build(migration: LoadedMigration, action: MigrationAction, reverse: boolean, options: { decamelize?: boolean }): Promise<Built> {
  const { MigrationBuilder } = await loadNodePgMigrate();
  const pgm = new MigrationBuilder(
    refuseDb as unknown as ConstructorParameters<typeof MigrationBuilder>[0],
    migration.typeShorthands as ConstructorParameters<typeof MigrationBuilder>[1],
    Boolean(options.decamelize),
    silentLogger,
  );
  if (reverse) pgm.enableReverseMode();
  try {
    if (action.length === 2) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('callback-style migration did not call run()')), CALLBACK_TIMEOUT_MS);
        Promise.resolve(action(pgm, () => {
          clearTimeout(timer);
          resolve();
        })).catch((err: unknown) => {
          clearTimeout(timer);
          reject(err);
        });
      });
    } else {
      await action(pgm);
    }
    return { steps: pgm.getSqlSteps(), usesTransaction: pgm.isUsingTransaction(), dbAccess: false, error: undefined };
  } catch (err) {
    return {
      steps: pgm.getSqlSteps(),
      usesTransaction: pgm.isUsingTransaction(),
      dbAccess: err instanceof DryRunDbAccess,
      error: err instanceof DryRunDbAccess ? undefined : err instanceof Error ? err.message : String(err),
    };
  }
}

export interface GeneratedSql {
  sql: string;
  /** Why the SQL is incomplete (the migration queries the database while building, or threw). */
  note: string | null;
}

/**
 * The SQL node-pg-migrate would send for a migration in one direction, built
 * without a database (an inferred down is the up built in reverse mode).
 */
export async function generatedSql(migration: LoadedMigration, direction: 'up' | 'down', options: { decamelize?: boolean } = {}): Promise<GeneratedSql | null> {
  const action = direction === 'up' ? migration.up : typeof migration.down === 'function' ? migration.down : migration.up;
  if (typeof action !== 'function') return null;
  const reverse = direction === 'down' && typeof migration.down !== 'function';
  if (direction === 'down' && migration.down === false) return null;
  const built = await build(migration, action, reverse, options);
  const sql = built.steps.join('\n');
  if (built.dbAccess) return { sql, note: 'the migration queries the database while it runs; only the SQL before that query is known' };
  if (built.error !== undefined) return { sql, note: `node-pg-migrate could not build it: ${built.error}` };
  return { sql, note: null };
}
