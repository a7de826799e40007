/**
 * The rehearsal path: no schema was recorded before the migrations (the tool
 * applied them itself), so the round trip is run where it cannot hurt — a
 * throwaway local cluster, schema only:
 *
 *   history up to the oldest migration to undo's predecessor → snapshot
 *   → each migration to undo up, oldest first, snapshot after each
 *   → each down, newest first, its result compared with the snapshot taken before its up
 *
 * Nothing of the user's database is read or written: the ups and downs run
 * through the project's own tool on the throwaway database.
 *
 * What a rehearsal found depends only on the migration files (and the local
 * files they import), the tool's settings and the server programs, so it is
 * kept in the local capture cache under a hash of exactly those
 * (capture-cache.ts): the undo that follows a plan, or a plan run again,
 * does not rehearse the same history twice. A migration without a file
 * (code the tool holds) is never cached.
 */
import type { ConnInfo } from '../../db/conninfo.js';
import type { SchemaChange } from '../../db/schema/diff.js';
import { schemaSnapshot, type SchemaSnapshot } from '../../db/schema/snapshot.js';
import { connect } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import { withScratchDatabase } from '../../tools/capture/scratch.js';
import { captureCacheDir, hashParts, openCaptureCache } from '../../tools/capture/capture-cache.js';
import { sourceHash } from '../../tools/load-module.js';
import { findBinary } from '../../pgtools/binaries.js';
import type { MigrationInfo, MigratorAdapter, ToolSettings } from '../../tools/contract.js';
import { openAdapter } from '../../tools/registry.js';
import { roundTripChanges } from '../../db/schema/round-trip.js';

export interface RehearsedMigration {
  name: string;
  /** Changes from before its up to after its down (empty: the round trip is exact). */
  changes: SchemaChange[];
  /** The schema right after its up, to tell what the down drops from what the up removed. */
  afterUp: SchemaSnapshot;
}

export interface Rehearsal {
  /** Newest first, as undone. */
  migrations: RehearsedMigration[];
  /** Everything the downs together changed (after the last up → after the last down): what the undo must do on the database. */
  downChanges: SchemaChange[];
  /** Served from the local cache (the same files were rehearsed before). */
  cached?: boolean;
}

/** Bumped whenever what a rehearsal records changes shape or meaning. */
const FORMAT = 'dbrollback-round-trip-v1';

/** `rehearseRoundTrip`, through the local cache when every migration is a file. */
export async function rehearseCached(settings: ToolSettings, adapter: Pick<MigratorAdapter, 'kind' | 'sqlOf'>, applied: readonly MigrationInfo[], selected: readonly MigrationInfo[], exclude: string[]): Promise<Rehearsal> {
  const kind = adapter.kind;
  const dir = captureCacheDir();
  const key = dir === null ? null : await cacheKey(settings, adapter, applied, selected, exclude).catch(() => null);
  const cache = dir !== null && key !== null ? openCaptureCache(dir) : null;
  const hit = cache && key ? await cache.get<Rehearsal>(key) : undefined;
  if (hit && Array.isArray(hit.migrations) && Array.isArray(hit.downChanges)) return { ...hit, cached: true };
  const rehearsal = await rehearseRoundTrip(settings, kind, applied, selected, exclude);
  if (cache && key) await cache.put(key, rehearsal);
  return rehearsal;
}

/**
 * Every up's file (and its local imports), and the down of each migration
 * rehearsed as the tool reads it — a down may live in a file of its own
 * (`NNN.down.sql`), which the migration's path does not name.
 */
async function cacheKey(settings: ToolSettings, adapter: Pick<MigratorAdapter, 'kind' | 'sqlOf'>, applied: readonly MigrationInfo[], selected: readonly MigrationInfo[], exclude: string[]): Promise<string | null> {
  if (applied.some((m) => m.path === null)) return null;
  const parts = [FORMAT, adapter.kind, (await findBinary('initdb')).path, settings.migrationsTable ?? '', settings.migrationsSchema ?? '', exclude.join(','), String(selected.length)];
  for (const m of applied) parts.push(m.name, await sourceHash(m.path!));
  for (const m of selected) {
    const down = await adapter.sqlOf(m.name, 'down');
    if (down.source === 'unknown') return null;
    parts.push(`down ${m.name}`, down.sql, down.path ? await sourceHash(down.path) : '');
  }
  return hashParts(parts);
}

/**
 * @param history the history, oldest first
 * @param selected the migrations to undo, newest first (the last `selected.length` of the history's undoable migrations)
 */
export async function rehearseRoundTrip(settings: ToolSettings, kind: string, history: readonly MigrationInfo[], selected: readonly MigrationInfo[], exclude: string[]): Promise<Rehearsal> {
  // What stays applied through an undo (a Flyway repeatable) is left out: the tool applies it after every
  // versioned migration, so it cannot be put back where the history has it, and the downs do not touch it.
  const applied = history.filter((m) => m.staysApplied === undefined);
  const oldest = selected.at(-1);
  const below = oldest === undefined ? applied.length : applied.findIndex((m) => m.name === oldest.name);
  return withScratchDatabase({}, async (conn) => {
    const adapter = await openAdapter({ ...settings, migrator: kind, conn });
    const snap = (c: ConnInfo) => snapshotOf(c, exclude);
    try {
      if (below > 0) await upExactly(adapter, applied.slice(0, below).map((m) => m.name));
      const before: SchemaSnapshot[] = [await snap(conn)];
      const oldestFirst = [...selected].reverse();
      for (const m of oldestFirst) {
        await upExactly(adapter, [m.name]);
        before.push(await snap(conn));
      }
      const top = before.at(-1)!;
      const migrations: RehearsedMigration[] = [];
      let current = top;
      for (let i = oldestFirst.length - 1; i >= 0; i--) {
        const m = oldestFirst[i]!;
        const result = await adapter.down({ count: 1 }).catch((err: unknown) => {
          throw rehearsalFailed(`down ${m.name} failed: ${(err as Error).message}`, err);
        });
        const step = result.steps[0];
        if (!step || step.name !== m.name || step.status !== 'success') throw rehearsalFailed(`down ${m.name} did not complete${step?.error ? `: ${step.error}` : ''}`);
        current = await snap(conn);
        migrations.push({ name: m.name, changes: roundTripChanges(before[i]!, current), afterUp: before[i + 1]! });
      }
      return { migrations, downChanges: roundTripChanges(top, current) };
    } finally {
      await adapter.close();
    }
  });
}

async function upExactly(adapter: MigratorAdapter, names: string[]): Promise<void> {
  let ran: string[];
  try {
    ran = await adapter.up(names.length);
  } catch (err) {
    throw rehearsalFailed(`applying ${names.length === 1 ? names[0] : `${names[0]} … ${names.at(-1)}`} failed: ${(err as Error).message}`, err);
  }
  if (ran.join('\n') !== names.join('\n')) throw rehearsalFailed(`the tool applied ${ran.join(', ') || 'nothing'} instead of ${names.join(', ')}`);
}

async function snapshotOf(conn: ConnInfo, exclude: string[]): Promise<SchemaSnapshot> {
  const db = await connect(conn);
  try {
    return await schemaSnapshot(db, { exclude });
  } finally {
    await db.end().catch(() => undefined);
  }
}

function rehearsalFailed(message: string, cause?: unknown): DbrollbackError {
  return new DbrollbackError('TOOL_FAILED', `the schema round trip could not be rehearsed in a throwaway database: ${message}`, { cause });
}
