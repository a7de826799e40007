/**
 * Does undoing these migrations bring the schema back to what it was before
 * them? Every object a down removes or changes must be one its up created or
 * changed. Proven before production is touched, one of two ways:
 *
 *   recorded   — `migrate` recorded the schema before each migration: what
 *                each down's SQL drops is checked against that record, and
 *                what the live schema holds beyond the oldest record against
 *                what the downs drop (leftovers.ts; nothing runs); the verify
 *                gate after the undo compares the whole schema with the
 *                record of the oldest one;
 *   rehearsed  — no record (the tool applied them itself), or a down whose
 *                SQL cannot be read: up and down run in a throwaway
 *                database (rehearse.ts); the verify gate then checks that
 *                the downs changed exactly what they changed there.
 *
 * Differences are named (differences.ts), with the earlier migration that
 * created the object where its SQL says so (creators.ts).
 */
import { schemaRecordBefore, type SchemaRecord } from '../../backup/schema-records.js';
import type { SchemaChange } from '../../db/schema/diff.js';
import type { SchemaSnapshot } from '../../db/schema/snapshot.js';
import { isDbrollbackError } from '../../errors.js';
import type { Storage } from '../../storage/contract.js';
import { initParser, parseSql } from '../../sql/parser.js';
import type { MigrationInfo, MigrationSql, MigratorAdapter, ToolSettings } from '../../tools/contract.js';
import { toolOf } from '../../tools/registry.js';
import { findCreators, refKey } from './creators.js';
import { keptKey, roundTripChanges, toDifference, type SchemaDifference } from '../../db/schema/round-trip.js';
import { schemaSnapshot } from '../../db/schema/snapshot.js';
import type { ParsedStatement } from '../../sql/parser.js';
import { leftBehind } from './leftovers.js';
import { creates } from '../../sql/creates.js';
import { droppedFromRecord, resetFromRecord } from './drops.js';
import { toolExclusions } from './exclusions.js';
import { rehearseCached } from './rehearse.js';
import { keptByStaying, type KeptObject } from './staying.js';
import type { Db } from '../../db/connection.js';
import { systemIdentifier } from '../../db/system-identifier.js';

export interface RoundTrip {
  /** `record`: checked against the schema migrate recorded; `rehearsal`: run in a throwaway database; `none`: not checked (`note` says why). */
  source: 'record' | 'rehearsal' | 'none';
  /** True: no difference; false: `differences` lists them; null: not proven (`note` says why). */
  ok: boolean | null;
  differences: SchemaDifference[];
  note: string | null;
  durationMs: number;
  /** The rehearsal came from the local cache (the same files were rehearsed before). */
  cached: boolean;
  /** What the verify gate after the undo compares with (not part of the JSON). */
  expect: RoundTripExpectation | null;
}

/** `migration`: the oldest undone; `head`: the migration before it in the history (null: none), where the undo leaves the history. */
export type RoundTripExpectation = { migration: string; head: string | null } & (
  | {
      kind: 'record';
      schema: SchemaSnapshot;
      exclude: string[];
      kept?: KeptObject[];
      /** The undone migrations' up statements (null: one of them could not be read): what the downs must remove again. */
      ups: readonly ParsedStatement[] | null;
    }
  | { kind: 'changes'; changes: SchemaChange[]; exclude: string[] }
);

export interface RoundTripInput {
  settings: ToolSettings;
  adapter: MigratorAdapter;
  /** The storage the records are in; null when none is configured. */
  storage: Storage | null;
  database: string;
  /** The history, oldest first. */
  applied: readonly MigrationInfo[];
  /** The migrations to undo, newest first. */
  selected: readonly MigrationInfo[];
  /** Applied after the oldest of them and left applied by the undo (a Flyway repeatable), oldest first. */
  staying: readonly MigrationInfo[];
  /** The database, read only: what `staying` made since the record before the oldest is kept out of the record's comparison. */
  db: Db;
  /** Each selected migration's down SQL as the plan read it. */
  downSql: ReadonlyMap<string, MigrationSql>;
  /**
   * Each selected migration's up statements as the plan parsed them (once, to classify them), where it could:
   * what the downs must drop again is what these create. Absent or missing a migration: nothing of its up is predicted.
   */
  upStatements?: ReadonlyMap<string, readonly ParsedStatement[]>;
}

export async function proveRoundTrip(input: RoundTripInput): Promise<RoundTrip> {
  // The downs and the earlier ups are parsed below, where a parse error reads as "cannot be parsed":
  // the parser must be there (classify loads it only when it needs it).
  await initParser();
  const started = performance.now();
  const done = (r: Omit<RoundTrip, 'durationMs' | 'cached'> & { cached?: boolean }): RoundTrip => ({ cached: false, ...r, durationMs: Math.round(performance.now() - started) });
  const exclude = toolExclusions(input.adapter);
  const records = input.storage ? await recordsFor(input) : null;
  const readable = input.selected.every((m) => {
    const sql = input.downSql.get(m.name);
    return sql !== undefined && sql.source !== 'unknown' && sql.note === null;
  });
  if (records !== null && readable) {
    const found: Array<{ migration: string; change: SchemaChange; missing?: boolean }> = [];
    const downs: ParsedStatement[] = [];
    for (const m of input.selected) {
      const sql = input.downSql.get(m.name)!;
      const record = records.get(m.name)!.schema;
      try {
        const statements = parseSql(sql.sql, sql.path ?? `${m.name} (down)`).statements;
        downs.push(...statements);
        for (const ref of droppedFromRecord(statements, record)) found.push({ migration: m.name, change: { kind: ref.kind, object: ref.object, change: 'removed', detail: '' } });
        for (const change of resetFromRecord(statements, record)) found.push({ migration: m.name, change });
      } catch {
        return done({ source: 'record', ok: null, differences: [], note: `the down of ${m.name} cannot be parsed`, expect: null });
      }
    }
    const oldestName = input.selected.at(-1)!.name;
    const oldest = records.get(oldestName)!;
    // The record predates what stays applied through the undo: those objects are expected as they are now.
    const kept = await keptByStaying(input.db, input.adapter, input.staying, oldest.schema, oldest.exclude);
    // What the undone ups created (by their SQL) and the downs leave behind: the verify gate would fail on it after the
    // downs ran, with traffic paused — said here, before anything is touched. Objects made since by something else are
    // left to the gate (nothing here says who made them).
    const live = await schemaSnapshot(input.db, { exclude: oldest.exclude });
    const keptKeys = new Set(kept.map((k) => k.key));
    const added = roundTripChanges(oldest.schema, live).filter((c) => c.change === 'added' && !keptKeys.has(keptKey(c)));
    const made = added.length > 0 ? input.selected.flatMap((m) => input.upStatements?.get(m.name) ?? []) : [];
    const theirs = added.filter((c) => made.some((stmt) => creates(stmt, c)));
    for (const change of (theirs.length > 0 ? leftBehind(downs, live, theirs) : null) ?? []) found.push({ migration: oldestName, change });
    // What the record holds and the live schema lacks, though no undone up dropped it (by its SQL): gone already,
    // by an earlier undo's accepted difference or by hand. No down brings it back, and the gate would fail on it
    // after the downs ran — said here instead. Unknown ups (or SQL whose effects cannot be read) predict nothing.
    const removed = roundTripChanges(oldest.schema, live).filter((c) => c.change === 'removed' && !keptKeys.has(keptKey(c)));
    if (removed.length > 0 && input.selected.every((m) => input.upStatements?.has(m.name))) {
      // leftBehind, run on the ups against the record: of these objects (as if added there), the ones the ups do not remove.
      const ups = [...input.selected].reverse().flatMap((m) => input.upStatements!.get(m.name)!);
      const untouched = leftBehind(ups, oldest.schema, removed.map((c) => ({ ...c, change: 'added' as const })));
      for (const change of untouched ?? []) found.push({ migration: oldestName, change: { ...change, change: 'removed' }, missing: true });
    }
    const differences = await named(input, found);
    return done({
      source: 'record',
      ok: differences.length === 0,
      differences,
      note: null,
      expect: {
        kind: 'record',
        migration: oldestName,
        head: oldest.head,
        schema: oldest.schema,
        exclude: oldest.exclude,
        ...(kept.length > 0 ? { kept } : {}),
        ups: input.selected.every((m) => input.upStatements?.has(m.name)) ? input.selected.flatMap((m) => input.upStatements!.get(m.name)!) : null,
      },
    });
  }
  if (toolOf(input.adapter.kind)?.rehearsesRoundTrip !== true) {
    const why = records === null ? `no schema was recorded before ${input.selected.map((m) => m.name).join(', ')} (migrations applied by dbrollback migrate are recorded)` : 'a down\'s SQL cannot be read without running it';
    return done({ source: 'none', ok: null, differences: [], note: `${why}, and ${toolOf(input.adapter.kind)?.displayName ?? input.adapter.kind} migrations are not rehearsed in a throwaway database: the schema round trip is not checked`, expect: null });
  }
  try {
    const rehearsal = await rehearseCached(input.settings, input.adapter, input.applied, input.selected, exclude);
    const differences = await named(input, rehearsal.migrations.flatMap((r) => r.changes.map((change) => ({ migration: r.name, change, afterUp: r.afterUp }))));
    return done({ source: 'rehearsal', ok: differences.length === 0, differences, note: null, cached: rehearsal.cached === true, expect: { kind: 'changes', ...oldestOf(input), changes: rehearsal.downChanges, exclude } });
  } catch (err) {
    if (!isDbrollbackError(err)) throw err;
    return done({ source: 'rehearsal', ok: null, differences: [], note: err.message, expect: null });
  }
}

/** The oldest migration to undo and the one before it in the history. */
function oldestOf(input: RoundTripInput): { migration: string; head: string | null } {
  const migration = input.selected.at(-1)!.name;
  const index = input.applied.findIndex((a) => a.name === migration);
  return { migration, head: index > 0 ? input.applied[index - 1]!.name : null };
}

/** The record before each selected migration, or null when one of them has none. */
async function recordsFor(input: RoundTripInput): Promise<Map<string, SchemaRecord> | null> {
  const out = new Map<string, SchemaRecord>();
  // Never a record of a same-named database on another cluster sharing the storage (where both sides know theirs).
  const cluster = await systemIdentifier(input.db);
  for (const m of input.selected) {
    const index = input.applied.findIndex((a) => a.name === m.name);
    const head = index > 0 ? input.applied[index - 1]!.name : null;
    const record = await schemaRecordBefore(input.storage!, m.name, input.database, head, cluster);
    if (record === null) return null;
    out.set(m.name, record);
  }
  return out;
}

/** Differences with the creating migration named where an earlier up's SQL says it. */
async function named(input: RoundTripInput, found: Array<{ migration: string; change: SchemaChange; afterUp?: SchemaSnapshot; missing?: boolean }>): Promise<SchemaDifference[]> {
  if (found.length === 0) return [];
  const oldest = input.applied.findIndex((a) => a.name === input.selected.at(-1)!.name);
  const earlier = input.applied.slice(0, Math.max(0, oldest));
  const refs = found.filter((f) => f.change.change === 'removed').map((f) => ({ kind: f.change.kind, object: f.change.object }));
  const creators = await findCreators(input.adapter, earlier, refs).catch(() => new Map<string, string>());
  return found.map((f) => toDifference(f.migration, f.change, creators.get(refKey({ kind: f.change.kind, object: f.change.object })) ?? null, f.afterUp, f.missing === true));
}
