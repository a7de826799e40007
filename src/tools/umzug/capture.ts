/**
 * The SQL umzug migrations run, captured by running them for real in a
 * scratch database. umzug migrations are arbitrary functions whose context
 * (a pg client, an ORM, ...) the project's config builds, so dbrollback
 * cannot intercept a client object it does not know. Instead the config's
 * `umzug` export — a function called with `{ databaseUrl, conn,
 * migrationsDir }` — is handed the URL of a recording wire-protocol relay
 * (pg-recorder.ts) in front of the scratch database: whatever client the
 * context uses, every statement it sends is recorded.
 *
 * Migrations run one `up({ step: 1 })` at a time, so each one's statements
 * and its catalog diff (snapshot before/after, with the storage's table left
 * out) are its own. What the storage sends (its methods are wrapped to mark
 * their statements) and transaction control are not the migration's SQL.
 * The scratch database is thrown away afterwards, which also makes a wrapping
 * transaction unnecessary: CONCURRENTLY and other non-transactional
 * statements run as they would in production.
 */
import path from 'node:path';
import { connect } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import { addedObjects, diffSchemas, type SchemaDiff } from '../../db/schema/diff.js';
import { schemaSnapshot, type SchemaSnapshot } from '../../db/schema/snapshot.js';
import { initParser, parseSql } from '../../sql/parser.js';
import { migrationSql, relationsOf, type CapturedSql } from '../capture/captured-sql.js';
import { notListed } from '../capture/not-listed.js';
import { withScratchDatabase } from '../capture/scratch.js';
import type { MigrationSql, ToolSettings } from '../contract.js';
import type { CaptureContext, CapturedFile, CapturedRun } from '../tool.js';
import { findUmzugExport } from './detect.js';
import { startPgRecorder } from '../capture/pg-recorder.js';

export interface CapturedUmzugMigration {
  name: string;
  path: string | null;
  up: CapturedSql;
  /** The migration has a down function (null when umzug does not say). */
  hasDown: boolean | null;
  /** What applying it changed in the catalog. */
  diff: SchemaDiff;
  /** What its down sent, when the capture ran downs (`downsFrom`); null when it was not run. */
  down: CapturedSql | null;
  /** Why its down could not be captured (it failed in the scratch database). */
  downError: string | null;
}

interface UmzugLike {
  pending(): Promise<Array<{ name: string; path?: string }>>;
  executed(): Promise<Array<{ name: string }>>;
  up(options?: { step?: number }): Promise<Array<{ name: string }>>;
  migrations?(): Promise<ReadonlyArray<{ name: string; path?: string; down?: unknown }>>;
}

export interface UmzugCaptureOptions {
  migrationsDir?: string;
  /**
   * Also capture downs, as an undo would run them: apply the migrations only
   * up to `head` (the live database's head), then revert `count` of them one
   * by one, newest first, recording what each down sends.
   */
  downsFrom?: { head: string; count: number };
}

export async function captureUmzug(umzugExport: unknown, scratch: ConnInfo, options: UmzugCaptureOptions = {}): Promise<CapturedUmzugMigration[]> {
  if (typeof umzugExport !== 'function') {
    throw new DbrollbackError('CONFIG_INVALID', 'to classify umzug migrations, the config must export `umzug` as a function ({ databaseUrl }) => Umzug, so they can be run in a scratch database (an instance is bound to your own database)', {
      hint: 'Change dbrollback.config.mjs to `export async function umzug({ databaseUrl }) { return new Umzug({ ... }) }` (see migrations-fixtures/umzug/shop).',
    });
  }
  await initParser();
  const recorder = await startPgRecorder(scratch);
  const direct = await connect(scratch);
  try {
    const instance = (await (umzugExport as (input: unknown) => unknown)({
      databaseUrl: recorder.url,
      conn: recorder.conn,
      ...(options.migrationsDir ? { migrationsDir: options.migrationsDir } : {}),
    })) as UmzugLike;
    if (typeof instance?.up !== 'function' || typeof instance.pending !== 'function') {
      throw new DbrollbackError('CONFIG_INVALID', 'the config\'s `umzug` function did not return an Umzug instance (no up()/pending())', {
        hint: 'Return the project\'s `new Umzug({...})` from the exported function.',
      });
    }

    // The storage's own statements (its history table) are bookkeeping, not the migration's SQL:
    // wrap its methods to know which recorded statements they sent.
    const storageRanges: Array<[number, number]> = [];
    wrapStorage(instance, recorder.statements, storageRanges);
    await instance.executed();

    const known = new Map((await instance.migrations?.().catch(() => undefined))?.map((m) => [m.name, m]) ?? []);
    const pending = await instance.pending();
    const runs: Array<{ name: string; path: string | null; from: number; to: number; before: SchemaSnapshot; after: SchemaSnapshot }> = [];
    for (const migration of pending) {
      if (options.downsFrom && runs.some((r) => r.name === options.downsFrom!.head)) break;
      const before = await schemaSnapshot(direct);
      const from = recorder.statements.length;
      try {
        await instance.up({ step: 1 });
      } catch (cause) {
        throw new DbrollbackError('MIGRATION_FAILED', `umzug migration ${migration.name} failed in the scratch database: ${(cause as Error).message}`, {
          hint: 'Run the migrations against an empty database yourself to see why; dbrollback runs them from the first one, in order, in a throwaway database.',
          cause,
        });
      }
      const after = await schemaSnapshot(direct);
      runs.push({ name: migration.name, path: migration.path ?? known.get(migration.name)?.path ?? null, from, to: recorder.statements.length, before, after });
    }

    // Downs, newest first, each on the schema the later ones left behind.
    const downRuns = new Map<string, { from: number; to: number } | { error: string }>();
    const headReached = options.downsFrom !== undefined && runs.at(-1)?.name === options.downsFrom.head;
    if (options.downsFrom && !headReached) {
      for (const run of runs) downRuns.set(run.name, { error: `the umzug instance does not list the head ${options.downsFrom.head}` });
    }
    for (let i = 0; headReached && options.downsFrom && i < options.downsFrom.count && i < runs.length; i++) {
      const name = runs[runs.length - 1 - i]!.name;
      const from = recorder.statements.length;
      try {
        await (instance as UmzugLike & { down(o: { step: number }): Promise<unknown> }).down({ step: 1 });
        downRuns.set(name, { from, to: recorder.statements.length });
      } catch (cause) {
        downRuns.set(name, { error: (cause as Error).message });
        break;
      }
    }

    const inStorage = (i: number): boolean => storageRanges.some(([a, b]) => i >= a && i < b);
    const bookkeeping = new Set<string>();
    recorder.statements.forEach((text, i) => {
      if (!inStorage(i)) return;
      for (const stmt of safeParse(text)) for (const key of relationsOf(stmt)) bookkeeping.add(key).add(key.slice(key.indexOf('.') + 1));
    });
    const out: CapturedUmzugMigration[] = [];
    for (const run of runs) {
      const texts = recorder.statements.slice(run.from, run.to).filter((_, k) => !inStorage(run.from + k));
      const meta = known.get(run.name);
      const downRun = downRuns.get(run.name);
      const downTexts = downRun && 'from' in downRun ? recorder.statements.slice(downRun.from, downRun.to).filter((_, k) => !inStorage(downRun.from + k)) : null;
      out.push({
        name: run.name,
        path: run.path,
        up: await migrationSql(texts, bookkeeping),
        hasDown: meta ? typeof meta.down === 'function' : null,
        diff: diffSchemas(withoutRelations(run.before, bookkeeping), withoutRelations(run.after, bookkeeping)),
        down: downTexts ? await migrationSql(downTexts, bookkeeping) : null,
        downError: downRun && 'error' in downRun ? downRun.error : null,
      });
    }
    return out;
  } finally {
    await direct.end().catch(() => undefined);
    await recorder.close();
  }
}

/**
 * classify: all of the instance's migrations run in order (each one needs
 * the schema the earlier ones built); the files given are picked out of them.
 */
export async function captureFiles(files: readonly string[], context: CaptureContext): Promise<CapturedFile[]> {
  const dirs = new Set(files.map((f) => path.dirname(f)));
  const migrationsDir = dirs.size === 1 ? [...dirs][0] : undefined;
  context.onProgress('capturing the SQL of the umzug migrations (running them in a scratch database)');
  const captured = await withScratchDatabase(context.scratch, (conn) => captureUmzug(findUmzugExport(context.configModule), conn, { migrationsDir }));
  return files.map((file) => {
    const name = path.basename(file).replace(/\.[^.]+$/, '');
    const c = captured.find((m) => (m.path && path.resolve(m.path) === file) || m.name === name);
    if (!c) throw notListed(file, 'the config\'s umzug instance does not list it');
    return { path: file, up: c.up, down: c.hasDown === null ? null : { kind: c.hasDown ? 'yes' : 'missing', sql: null }, diff: c.diff, applyError: null };
  });
}

/**
 * plan: umzug migrations are code, their SQL seen only by running them. Run
 * them in a throwaway local cluster (never the user's database) up to the
 * live head, then revert `count` of them as undo would, recording what each
 * up and down sends. Without server binaries this fails (the caller says so).
 */
export async function captureDowns(settings: ToolSettings, from: { head: string; count: number }): Promise<CapturedRun[]> {
  const captured = await withScratchDatabase({}, (conn) =>
    captureUmzug(findUmzugExport(settings.configModule), conn, {
      ...(settings.migrationsDir ? { migrationsDir: settings.migrationsDir } : {}),
      downsFrom: from,
    }),
  );
  return captured.map((c) => {
    const as = (direction: 'up' | 'down', text: string | null, note: string | null): MigrationSql =>
      text === null
        ? { name: c.name, direction, sql: '', source: 'unknown', path: c.path, note: note ?? 'not run in the throwaway database' }
        : { name: c.name, direction, sql: text, source: 'captured', path: c.path, note: null };
    return { name: c.name, up: as('up', c.up.sql, null), down: as('down', c.down?.sql ?? null, c.downError), created: addedObjects(c.diff) };
  });
}

/** Record which statements the storage sends (umzug keeps it as `storage`; duck-typed, any storage works). */
function wrapStorage(instance: UmzugLike, statements: readonly string[], ranges: Array<[number, number]>): void {
  const storage = (instance as { storage?: Record<string, unknown> }).storage;
  if (!storage) return;
  for (const method of ['executed', 'logMigration', 'unlogMigration']) {
    const original = storage[method];
    if (typeof original !== 'function') continue;
    storage[method] = async (...args: unknown[]) => {
      const from = statements.length;
      try {
        return await (original as (...a: unknown[]) => Promise<unknown>).apply(storage, args);
      } finally {
        ranges.push([from, statements.length]);
      }
    };
  }
}

function withoutRelations(snapshot: SchemaSnapshot, names: ReadonlySet<string>): SchemaSnapshot {
  const relations = Object.fromEntries(Object.entries(snapshot.relations).filter(([key]) => !names.has(key) && !names.has(key.slice(key.indexOf('.') + 1))));
  return { ...snapshot, relations };
}

function safeParse(text: string): Array<Record<string, unknown>> {
  try {
    return parseSql(text, '<captured>').statements.map((s) => s.node);
  } catch {
    return [];
  }
}
