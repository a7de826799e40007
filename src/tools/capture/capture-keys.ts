/**
 * The capture cache's keys and the entries under them, for every code tool
 * that replays its history in a scratch database (the Knex/TypeORM replay,
 * umzug's capture):
 *  - the project: the tool, the scratch server's major, the content of the
 *    files that decide what the migrations send (the tool's config and the
 *    local files it imports) and the nearest lockfile (the versions of the
 *    tool, the ORM and the driver);
 *  - migration i: the key before it chained with its name and its source's
 *    hash (what it sends depends on the schema the ones before it built: a
 *    changed migration invalidates itself and everything after it);
 *  - the j-th down run from head h: h's key and the names of the downs run
 *    before it and itself.
 */
import path from 'node:path';
import type { SchemaDiff } from '../../db/schema/diff.js';
import type { SchemaDifference } from '../../db/schema/round-trip.js';
import { sourceHash } from '../load-module.js';
import { hashParts, lockfileHash, scratchMajor, type CaptureCache } from './capture-cache.js';
import type { CapturedSql } from './captured-sql.js';
import type { ScratchOptions } from './scratch.js';

export interface CaptureKeys {
  /** Per migration name, in the tool's order. */
  up: Map<string, string>;
  /** Per migration name of the downs asked for, newest first. */
  down: Map<string, string>;
}

export interface KeyedMigration {
  name: string;
  path: string | null;
}

export interface DownsFrom {
  head: string;
  count: number;
}

export interface KeyInputs {
  kind: string;
  scratch: ScratchOptions | undefined;
  /** The files whose content decides what the migrations send; the lockfile is looked for from the first one's directory. */
  projectFiles: readonly [string, ...string[]];
  /** The migrations in the tool's order. */
  list: readonly KeyedMigration[];
  downsFrom: DownsFrom | undefined;
}

/** What is cached of an up. */
export interface CachedUp {
  up: CapturedSql;
  diff: SchemaDiff;
}

/** What is cached of a down. */
export interface CachedDown {
  down: CapturedSql | null;
  downError: string | null;
  roundTrip: SchemaDifference[] | null;
}

export async function captureKeys(inputs: KeyInputs): Promise<CaptureKeys> {
  const [major, project, lockfile, sources] = await Promise.all([
    scratchMajor(inputs.scratch),
    Promise.all(inputs.projectFiles.map((f) => sourceHash(f))),
    lockfileHash(path.dirname(inputs.projectFiles[0])),
    Promise.all(inputs.list.map((m) => (m.path ? sourceHash(m.path) : Promise.resolve('')))),
  ]);
  const up = new Map<string, string>();
  let previous = hashParts([inputs.kind, String(major), ...project, lockfile]);
  inputs.list.forEach((m, i) => {
    previous = hashParts([previous, m.name, sources[i]!]);
    up.set(m.name, previous);
  });
  const down = new Map<string, string>();
  const from = inputs.downsFrom;
  const headIndex = from ? inputs.list.findIndex((m) => m.name === from.head) : -1;
  if (from && headIndex !== -1) {
    const undone: string[] = [];
    for (let i = 0; i < from.count && headIndex - i >= 0; i++) {
      const name = inputs.list[headIndex - i]!.name;
      undone.push(name);
      down.set(name, hashParts([up.get(from.head)!, 'down', ...undone]));
    }
  }
  return { up, down };
}

/** The migrations a capture covers: up to the head when downs are asked for, else all; undefined when the head is not listed. */
export function coveredMigrations<M extends KeyedMigration>(list: readonly M[], downsFrom: DownsFrom | undefined): readonly M[] | undefined {
  if (!downsFrom) return list;
  const head = list.findIndex((m) => m.name === downsFrom.head);
  return head === -1 ? undefined : list.slice(0, head + 1);
}

/** Every capture the keys name for the covered migrations, or undefined when one is missing (the history is then replayed). */
export async function readCaptures(cache: CaptureCache, keys: CaptureKeys, covered: readonly KeyedMigration[]): Promise<{ ups: CachedUp[]; downs: Map<string, CachedDown> } | undefined> {
  const ups = await Promise.all(covered.map((m) => cache.get<CachedUp>(keys.up.get(m.name)!)));
  const downs = new Map<string, CachedDown | undefined>();
  for (const [name, key] of keys.down) downs.set(name, await cache.get<CachedDown>(key));
  // A down cached before round trips were recorded (no roundTrip field) is replayed again.
  if (ups.some((u) => u === undefined) || [...downs.values()].some((d) => d === undefined || d.roundTrip === undefined)) return undefined;
  return { ups: ups as CachedUp[], downs: downs as Map<string, CachedDown> };
}

/**
 * Every capture a replay made, under its key. The key of a down names the downs run before it: a down not
 * run because an earlier one stopped the walk is recorded as such, and will be again for the same inputs.
 */
export async function storeCaptures(cache: CaptureCache, keys: CaptureKeys, captured: ReadonlyArray<{ name: string } & CachedUp & Omit<CachedDown, 'roundTrip'> & Partial<Pick<CachedDown, 'roundTrip'>>>): Promise<void> {
  for (const c of captured) {
    const upKey = keys.up.get(c.name);
    if (upKey) await cache.put(upKey, { up: c.up, diff: c.diff } satisfies CachedUp);
    const downKey = keys.down.get(c.name);
    if (downKey) await cache.put(downKey, { down: c.down, downError: c.downError, roundTrip: c.roundTrip ?? null } satisfies CachedDown);
  }
}
