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
import { connect } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import type { DownKind } from '../contract.js';
import { requireCommonJsMigrations } from './commonjs-resolver.js';
import { closeUmzugInstance, umzugDownKind } from './run.js';
import { diffSchemas, type SchemaDiff } from '../../db/schema/diff.js';
import { schemaSnapshot, type SchemaSnapshot } from '../../db/schema/snapshot.js';
import { initParser, parseSql } from '../../sql/parser.js';
import { migrationSql, relationsOf, type CapturedSql } from '../capture/captured-sql.js';
import { startPgRecorder } from '../capture/pg-recorder.js';

export interface CapturedUmzugMigration {
  name: string;
  path: string | null;
  up: CapturedSql;
  /** Whether it has a usable down, as status reads it (null when umzug does not list it). */
  downKind: { kind: DownKind; note?: string } | null;
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
  /** The loaded config, whose `closeUmzug` (if any) closes the instance made for the capture. */
  configModule?: Record<string, unknown>;
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
  let instance: UmzugLike | undefined;
  try {
    instance = (await (umzugExport as (input: unknown) => unknown)({
      databaseUrl: recorder.url,
      conn: recorder.conn,
      ...(options.migrationsDir ? { migrationsDir: options.migrationsDir } : {}),
    })) as UmzugLike;
    if (typeof instance?.up !== 'function' || typeof instance.pending !== 'function') {
      throw new DbrollbackError('CONFIG_INVALID', 'the config\'s `umzug` function did not return an Umzug instance (no up()/pending())', {
        hint: 'Return the project\'s `new Umzug({...})` from the exported function.',
      });
    }

    requireCommonJsMigrations(instance);
    // The storage's own statements (its history table) are bookkeeping, not the migration's SQL:
    // wrap its methods to know which recorded statements they sent.
    const storageRanges: Array<[number, number]> = [];
    wrapStorage(instance, recorder.statements, storageRanges);
    await instance.executed();
    const umzug = instance;

    const known = new Map((await instance.migrations?.().catch(() => undefined))?.map((m) => [m.name, m]) ?? []);
    const pending = await instance.pending();
    const runs: Array<{ name: string; path: string | null; from: number; to: number; before: SchemaSnapshot; after: SchemaSnapshot }> = [];
    // Nothing runs between one migration's "after" and the next one's "before": one snapshot serves both.
    let previous: SchemaSnapshot | undefined;
    for (const migration of pending) {
      if (options.downsFrom && runs.some((r) => r.name === options.downsFrom!.head)) break;
      const before = previous ?? (await schemaSnapshot(direct));
      const from = recorder.statements.length;
      try {
        await umzug.up({ step: 1 });
      } catch (cause) {
        throw new DbrollbackError('MIGRATION_FAILED', `umzug migration ${migration.name} failed in the scratch database: ${(cause as Error).message}`, {
          hint: 'Run the migrations against an empty database yourself to see why; dbrollback runs them from the first one, in order, in a throwaway database.',
          cause,
        });
      }
      const after = await schemaSnapshot(direct);
      previous = after;
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
        await (umzug as UmzugLike & { down(o: { step: number }): Promise<unknown> }).down({ step: 1 });
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
        downKind: meta ? await downOf(meta) : null,
        diff: diffSchemas(withoutRelations(run.before, bookkeeping), withoutRelations(run.after, bookkeeping)),
        down: downTexts ? await migrationSql(downTexts, bookkeeping) : null,
        downError: downRun && 'error' in downRun ? downRun.error : null,
      });
    }
    return out;
  } finally {
    await closeUmzugInstance(options.configModule, instance);
    await direct.end().catch(() => undefined);
    await recorder.close();
  }
}

async function downOf(meta: { path?: string; down?: unknown }): Promise<{ kind: DownKind; note?: string }> {
  const { down, downNote } = await umzugDownKind(meta);
  return { kind: down, ...(downNote ? { note: downNote } : {}) };
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
