/**
 * Replaying a code tool's migrations in a scratch database, through the
 * tool's own runner, one migration at a time: what each up (and, for a
 * plan, each down) sent, and what it changed in the catalog. Shared by the
 * ORM tools whose runners call the migration's own function with a
 * connection they own (Knex's migrate.up/down, TypeORM's runMigrations /
 * undoLastMigration).
 *
 * The tool reaches the scratch database through the recording relay
 * (pg-recorder.ts); the tool's adapter wraps each migration's up/down so the
 * replay knows which recorded statements the migration's own function sent
 * (`enter`/`leave`). What the runner sends around it — its history table,
 * its lock, its existence checks — is therefore never taken for the
 * migration's SQL; only the runner's transaction control before the
 * function is kept, so the capture says whether the migration ran in a
 * transaction.
 *
 * Captures go through the capture cache (capture-cache.ts), keyed like
 * umzug's: the project files (the tool's config and what it imports), the
 * nearest lockfile (the tool's version), the scratch server's major, then
 * each migration's source chained over the ones before it.
 */
import path from 'node:path';
import { connect } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { addedObjects, diffSchemas, type SchemaDiff } from '../../db/schema/diff.js';
import { differenceKey, roundTripChanges, toDifference, type SchemaDifference } from '../../db/schema/round-trip.js';
import { schemaSnapshot, type SchemaSnapshot } from '../../db/schema/snapshot.js';
import { DbrollbackError } from '../../errors.js';
import type { DownKind, MigrationSql } from '../contract.js';
import type { CapturedDowns, CapturedFile } from '../tool.js';
import { captureCacheDir, openCaptureCache, type CaptureCache } from './capture-cache.js';
import { captureKeys, coveredMigrations, readCaptures, storeCaptures, type CaptureKeys } from './capture-keys.js';
import { migrationSql, type CapturedSql } from './captured-sql.js';
import { notListed } from './not-listed.js';
import { startPgRecorder } from './pg-recorder.js';
import { withScratchDatabase, type ScratchOptions } from './scratch.js';

export interface ReplayListed {
  name: string;
  path: string | null;
  down: { kind: DownKind; note?: string } | null;
}

/** Called by the tool's wrapped migration functions: right before the migration's own function runs, and once it has returned. */
export interface ReplayMarks {
  enter(): void;
  leave(): void;
}

/** The tool opened on the scratch database (through the recorder). */
export interface ReplaySession {
  /** Apply the next pending migration through the tool's runner. */
  upOne(): Promise<void>;
  /** Undo the last applied migration through the tool's runner. */
  downOne(): Promise<void>;
  close(): Promise<void>;
}

export interface ReplayTool {
  /** The tool's kind (part of every cache key, and named in messages). */
  kind: string;
  displayName: string;
  /** The files whose content (with their local imports) decides what the migrations send: the tool's config. */
  projectFiles: readonly string[];
  /** Relations the tool keeps for itself (history, lock): left out of the catalog diffs. */
  bookkeeping: readonly string[];
  /** Its migrations, in its apply order. */
  list: readonly ReplayListed[];
  open(conn: ConnInfo, marks: ReplayMarks): Promise<ReplaySession>;
}

export interface ReplayOptions {
  scratch?: ScratchOptions;
  /** The cache directory; default from the environment; null: no cache. */
  cacheDir?: string | null;
  /** Apply up to `head`, then undo `count` migrations one by one, newest first, recording each down. */
  downsFrom?: { head: string; count: number };
  onProgress?: (line: string) => void;
}

export interface ReplayedMigration {
  name: string;
  path: string | null;
  up: CapturedSql;
  diff: SchemaDiff;
  down: CapturedSql | null;
  downError: string | null;
  /**
   * What its down (run in the walk down from the head) left different from the schema before its up,
   * beyond what the newer downs had already left: a down dropping what its up did not create, a type
   * its up created and its down forgot. null when its down was not run.
   */
  roundTrip: SchemaDifference[] | null;
}

export interface ReplayResult {
  migrations: ReplayedMigration[];
  replayed: number;
  cached: number;
  cacheDir: string | null;
}

export async function replayCached(tool: ReplayTool, options: ReplayOptions = {}): Promise<ReplayResult> {
  const dir = options.cacheDir === undefined ? captureCacheDir() : options.cacheDir;
  const cache = dir ? openCaptureCache(dir) : undefined;
  const [firstFile, ...otherFiles] = tool.projectFiles;
  const keys = cache && firstFile !== undefined ? await captureKeys({ kind: tool.kind, scratch: options.scratch, projectFiles: [firstFile, ...otherFiles], list: tool.list, downsFrom: options.downsFrom }) : undefined;
  const covered = coveredMigrations(tool.list, options.downsFrom);
  if (cache && keys && covered) {
    const served = await fromCache(cache, keys, covered);
    if (served) return { migrations: served, replayed: 0, cached: served.length + keys.down.size, cacheDir: cache.dir };
  }
  options.onProgress?.(`capturing the SQL of the ${tool.displayName} migrations (running them in a scratch database)`);
  const captured = await withScratchDatabase(options.scratch ?? {}, (conn) => replay(tool, conn, options.downsFrom));
  if (cache && keys) await storeCaptures(cache, keys, captured);
  return { migrations: captured, replayed: captured.length, cached: 0, cacheDir: cache?.dir ?? null };
}

/** Run the migrations for real in the scratch database `conn`, recording what each one's own function sent. */
async function replay(tool: ReplayTool, conn: ConnInfo, downsFrom: ReplayOptions['downsFrom']): Promise<ReplayedMigration[]> {
  const recorder = await startPgRecorder(conn);
  const direct = await connect(conn);
  // Where the current migration's own function began and ended in the recording (-1: not yet).
  const range = { enter: -1, leave: -1 };
  const marks: ReplayMarks = {
    enter: () => {
      range.enter = recorder.statements.length;
      range.leave = -1;
    },
    leave: () => {
      range.leave = recorder.statements.length;
    },
  };
  const bookkeeping = new Set(tool.bookkeeping);
  /** What one runner call sent: its transaction control before the migration's function, then the function's statements. */
  const sentBy = async (run: () => Promise<void>): Promise<CapturedSql> => {
    const start = recorder.statements.length;
    range.enter = -1;
    range.leave = -1;
    await run();
    if (range.enter === -1 || range.leave === -1) return { sql: '', inTransaction: false };
    const control = recorder.statements.slice(start, range.enter).filter((s) => TRANSACTION_CONTROL.test(s));
    return migrationSql([...control, ...recorder.statements.slice(range.enter, range.leave)], bookkeeping);
  };
  const session = await tool.open(recorder.conn, marks);
  try {
    const out: ReplayedMigration[] = [];
    const until = downsFrom ? tool.list.findIndex((m) => m.name === downsFrom.head) : tool.list.length - 1;
    let before: SchemaSnapshot = await schemaSnapshot(direct, { exclude: [...bookkeeping] });
    // The schema before each up (and the last one after): what each down is held to.
    const snapshots: SchemaSnapshot[] = [before];
    for (const migration of tool.list.slice(0, until + 1)) {
      let up: CapturedSql;
      try {
        up = await sentBy(() => session.upOne());
      } catch (cause) {
        throw new DbrollbackError('MIGRATION_FAILED', `${tool.displayName} migration ${migration.name} failed in the scratch database: ${(cause as Error).message}`, {
          hint: 'Run the migrations against an empty database yourself to see why; dbrollback runs them from the first one, in order, in a throwaway database.',
          cause,
        });
      }
      const after = await schemaSnapshot(direct, { exclude: [...bookkeeping] });
      out.push({ name: migration.name, path: migration.path, up, diff: diffSchemas(before, after), down: null, downError: null, roundTrip: null });
      snapshots.push(after);
      before = after;
    }
    // What the newer downs left different (by difference key): not the older downs' doing.
    let left = new Set<string>();
    for (let i = 0; downsFrom && i < downsFrom.count && i < out.length; i++) {
      const index = out.length - 1 - i;
      const entry = out[index]!;
      try {
        entry.down = await sentBy(() => session.downOne());
      } catch (cause) {
        entry.downError = (cause as Error).message;
        break;
      }
      const differences = roundTripChanges(snapshots[index]!, await schemaSnapshot(direct, { exclude: [...bookkeeping] })).map((c) => toDifference(entry.name, c, null, snapshots[index + 1]));
      entry.roundTrip = differences.filter((d) => !left.has(differenceKey(d)));
      left = new Set(differences.map(differenceKey));
    }
    return out;
  } finally {
    await session.close().catch(() => undefined);
    await direct.end().catch(() => undefined);
    await recorder.close();
  }
}

const TRANSACTION_CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK)\b[^;]*;?\s*$/i;

async function fromCache(cache: CaptureCache, keys: CaptureKeys, covered: readonly ReplayListed[]): Promise<ReplayedMigration[] | undefined> {
  const found = await readCaptures(cache, keys, covered);
  if (!found) return undefined;
  const { ups, downs } = found;
  return covered.map((m, i) => ({
    name: m.name,
    path: m.path,
    up: ups[i]!.up,
    diff: ups[i]!.diff,
    down: downs.get(m.name)?.down ?? null,
    downError: downs.get(m.name)?.downError ?? null,
    roundTrip: downs.get(m.name)?.roundTrip ?? null,
  }));
}

/** The walk classify asks of a replay: every up, then every down from the head, newest first (each down's SQL and round trip). */
export function everyDown(tool: ReplayTool): ReplayOptions['downsFrom'] {
  const head = tool.list.at(-1);
  return head ? { head: head.name, count: tool.list.length } : undefined;
}

/**
 * classify: the replayed migrations picked out for the files given (every one replayed, in order: each
 * needs the schema the earlier ones built), each down's SQL and round trip when the walk down ran it.
 */
export function capturedFiles(files: readonly string[], tool: ReplayTool, result: ReplayResult): CapturedFile[] {
  return files.map((file) => {
    const listed = tool.list.find((m) => m.path !== null && path.resolve(m.path) === path.resolve(file));
    const c = listed && result.migrations.find((m) => m.name === listed.name);
    if (!listed || !c) throw notListed(file, `${tool.displayName} does not list it as a migration`);
    const kind = listed.down === null ? null : listed.down.kind === 'inferred' ? 'yes' : listed.down.kind;
    const ran = kind === 'yes' && c.down !== null;
    const down =
      kind === null
        ? null
        : {
            kind,
            sql: ran ? c.down : null,
            ...(listed.down?.note ? { note: listed.down.note } : {}),
            ...(ran && c.roundTrip !== null && c.roundTrip.length > 0 ? { roundTrip: c.roundTrip.map((d) => d.message) } : {}),
          };
    return { path: file, up: c.up, down, diff: c.diff, applyError: null };
  });
}

/** plan: what each up and down sent, as the plan reads it. */
export function capturedDowns(result: ReplayResult): CapturedDowns {
  const runs = result.migrations.map((c) => {
    const as = (direction: 'up' | 'down', captured: CapturedSql | null, note: string | null): MigrationSql =>
      captured === null
        ? { name: c.name, direction, sql: '', source: 'unknown', path: c.path, note: note ?? 'not run in the throwaway database' }
        : { name: c.name, direction, sql: captured.sql, source: 'captured', path: c.path, note: null };
    return { name: c.name, up: as('up', c.up, null), down: as('down', c.down, c.downError), created: addedObjects(c.diff), diff: c.diff };
  });
  return { runs, replayed: result.replayed, cached: result.cached, cacheDir: result.cacheDir };
}
