/**
 * umzug captures through the capture cache: a second plan, undo, migrate or
 * classify of an unchanged history starts no scratch database and runs no
 * migration.
 *
 * What decides a capture, and so its key (capture-keys.ts): the config file
 * and the local files it imports, the lockfile beside it, the tool, the
 * scratch server's major, and each migration chained over the ones before it.
 * A cache hit for every capture needed serves them all; otherwise the history
 * is replayed as before and every capture it makes is stored.
 */
import path from 'node:path';
import { captureCacheDir, openCaptureCache, type CaptureCache } from '../capture/capture-cache.js';
import { captureKeys, coveredMigrations, readCaptures, storeCaptures, type CaptureKeys } from '../capture/capture-keys.js';
import { withScratchDatabase, type ScratchOptions } from '../capture/scratch.js';
import type { DownKind } from '../contract.js';
import { addedObjects } from '../../db/schema/diff.js';
import { notListed } from '../capture/not-listed.js';
import type { MigrationInfo, MigrationSql } from '../contract.js';
import type { CaptureContext, CaptureSettings, CapturedDowns, CapturedFile } from '../tool.js';
import { captureUmzug, type CapturedUmzugMigration, type UmzugCaptureOptions } from './capture.js';
import { requireCommonJsMigrations } from './commonjs-resolver.js';
import { findUmzugExport } from './detect.js';
import { closeUmzugInstance, umzugDownKind } from './run.js';

export interface ListedMigration {
  name: string;
  path: string | null;
  down: { kind: DownKind; note?: string } | null;
}

export interface CachedUmzugRequest extends UmzugCaptureOptions {
  umzugExport: unknown;
  /** The config file (its content and local imports are part of every key); absent: nothing is cached. */
  configFile?: string;
  /** The tool's migrations in its order, when the caller has read them (status); else listed from an instance. */
  list?: readonly ListedMigration[];
  scratch?: ScratchOptions;
  /** The cache directory; default from the environment (captureCacheDir); null: no cache. */
  cacheDir?: string | null;
  onProgress?: (line: string) => void;
}

export interface CachedUmzugCapture {
  migrations: CapturedUmzugMigration[];
  /** Migrations run in a scratch database by this call (0: everything came from the cache). */
  replayed: number;
  /** Captures served from the cache. */
  cached: number;
  /** Where the cache is (null: caching off or not possible for this project). */
  cacheDir: string | null;
}

export async function captureUmzugCached(request: CachedUmzugRequest): Promise<CachedUmzugCapture> {
  const dir = request.cacheDir === undefined ? captureCacheDir() : request.cacheDir;
  const list = dir && request.configFile ? (request.list ?? (await listWithoutDatabase(request))) : undefined;
  const keys = dir && list && request.configFile ? await captureKeys({ kind: 'umzug', scratch: request.scratch, projectFiles: [request.configFile], list, downsFrom: request.downsFrom }) : undefined;
  const cache = dir ? openCaptureCache(dir) : undefined;

  if (cache && keys && list) {
    const served = await fromCache(cache, keys, list, request);
    if (served) return { migrations: served, replayed: 0, cached: served.length + (request.downsFrom?.count ?? 0), cacheDir: cache.dir };
  }

  request.onProgress?.('capturing the SQL of the umzug migrations (running them in a scratch database)');
  const captured = await withScratchDatabase(request.scratch ?? {}, (conn) => captureUmzug(request.umzugExport, conn, request));
  if (cache && keys) await storeCaptures(cache, keys, captured);
  return { migrations: captured, replayed: captured.length, cached: 0, cacheDir: cache?.dir ?? null };
}

/** Every capture the request needs, or undefined when one is missing. */
async function fromCache(cache: CaptureCache, keys: CaptureKeys, list: readonly ListedMigration[], request: CachedUmzugRequest): Promise<CapturedUmzugMigration[] | undefined> {
  const covered = coveredMigrations(list, request.downsFrom);
  if (covered === undefined) return undefined;
  const found = await readCaptures(cache, keys, covered);
  if (!found) return undefined;
  const { ups, downs } = found;
  return covered.map((m, i) => ({
    name: m.name,
    path: m.path,
    up: ups[i]!.up,
    downKind: m.down,
    diff: ups[i]!.diff,
    down: downs.get(m.name)?.down ?? null,
    downError: downs.get(m.name)?.downError ?? null,
  }));
}

/**
 * The tool's list without a database: an instance made for an address where
 * nothing listens. An instance whose listing needs a connection (its context
 * connects) fails here, and its captures are simply not cached.
 */
async function listWithoutDatabase(request: CachedUmzugRequest): Promise<ListedMigration[] | undefined> {
  if (typeof request.umzugExport !== 'function') return undefined;
  let instance: unknown;
  try {
    const databaseUrl = 'postgres://dbrollback@127.0.0.1:1/dbrollback_no_database';
    instance = await (request.umzugExport as (input: unknown) => unknown)({ databaseUrl, ...(request.migrationsDir ? { migrationsDir: request.migrationsDir } : {}) });
    requireCommonJsMigrations(instance);
    const listed = await (instance as { migrations(): Promise<ReadonlyArray<{ name: string; path?: string; down?: unknown }>> }).migrations();
    return await Promise.all(
      listed.map(async (m) => {
        const { down, downNote } = await umzugDownKind(m);
        return { name: m.name, path: m.path ?? null, down: { kind: down, ...(downNote ? { note: downNote } : {}) } };
      }),
    );
  } catch {
    return undefined;
  } finally {
    await closeUmzugInstance(request.configModule, instance);
  }
}

/**
 * classify: all of the instance's migrations run in order (each one needs
 * the schema the earlier ones built); the files given are picked out of them.
 */
export async function captureFiles(files: readonly string[], context: CaptureContext): Promise<CapturedFile[]> {
  const dirs = new Set(files.map((f) => path.dirname(f)));
  const migrationsDir = dirs.size === 1 ? [...dirs][0] : undefined;
  const { migrations: captured } = await captureUmzugCached({
    umzugExport: findUmzugExport(context.configModule),
    ...(migrationsDir ? { migrationsDir } : {}),
    ...(context.configModule ? { configModule: context.configModule } : {}),
    ...(context.configFile ? { configFile: context.configFile } : {}),
    ...(context.cacheDir !== undefined ? { cacheDir: context.cacheDir } : {}),
    scratch: context.scratch,
    onProgress: context.onProgress,
  });
  return files.map((file) => {
    const name = path.basename(file).replace(/\.[^.]+$/, '');
    const c = captured.find((m) => (m.path && path.resolve(m.path) === file) || m.name === name);
    if (!c) throw notListed(file, 'the config\'s umzug instance does not list it');
    const kind = c.downKind === null ? null : c.downKind.kind === 'inferred' ? 'yes' : c.downKind.kind;
    const down = kind === null ? null : { kind, sql: null, ...(c.downKind?.note ? { note: c.downKind.note } : {}) };
    return { path: file, up: c.up, down, diff: c.diff, applyError: null };
  });
}

/**
 * plan: umzug migrations are code, their SQL seen only by running them. Run
 * them in a throwaway local cluster (never the user's database) up to the
 * live head, then revert `count` of them as undo would, recording what each
 * up and down sends — or serve all of it from the capture cache. Without
 * server binaries a replay fails (the caller says so).
 */
export async function captureDowns(settings: CaptureSettings, from: { head: string; count: number }, migrations: readonly MigrationInfo[]): Promise<CapturedDowns> {
  const result = await captureUmzugCached({
    umzugExport: findUmzugExport(settings.configModule),
    ...(settings.configModule ? { configModule: settings.configModule } : {}),
    ...(settings.configFile ? { configFile: settings.configFile } : {}),
    ...(settings.migrationsDir ? { migrationsDir: settings.migrationsDir } : {}),
    downsFrom: from,
    list: migrations.map((m) => ({ name: m.name, path: m.path, down: { kind: m.down, ...(m.downNote ? { note: m.downNote } : {}) } })),
  });
  const runs = result.migrations.map((c) => {
    const as = (direction: 'up' | 'down', text: string | null, note: string | null): MigrationSql =>
      text === null
        ? { name: c.name, direction, sql: '', source: 'unknown', path: c.path, note: note ?? 'not run in the throwaway database' }
        : { name: c.name, direction, sql: text, source: 'captured', path: c.path, note: null };
    return { name: c.name, up: as('up', c.up.sql, null), down: as('down', c.down?.sql ?? null, c.downError), created: addedObjects(c.diff), diff: c.diff };
  });
  return { runs, replayed: result.replayed, cached: result.cached, cacheDir: result.cacheDir };
}
