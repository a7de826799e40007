/**
 * The SQL node-pg-migrate migrations would run, as node-pg-migrate itself
 * produces it: its `runner` in dry-run mode with a logger collecting the debug
 * output (the generated SQL of each migration, announced by its
 * `### MIGRATION name (UP|DOWN) ###` line). A dry run still takes the
 * advisory lock and creates the history table, so it is pointed at a scratch
 * database, never the user's.
 *
 * Then each migration is applied for real, one at a time, with a catalog
 * snapshot before and after (the dynamic half of the verdict, reconciled with
 * the static one by the caller). Downs: with every migration recorded as run,
 * each migration's down is dry-run on its own, so one irreversible migration
 * does not hide the others.
 */
import path from 'node:path';
import { loadNodePgMigrate } from './load.js';
import { connect, quoteQualified } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import type { DownKind } from '../contract.js';
import { diffSchemas, type SchemaDiff } from '../../db/schema/diff.js';
import { schemaSnapshot } from '../../db/schema/snapshot.js';
import { migrationSql, type CapturedSql } from '../capture/captured-sql.js';
import { notListed } from '../capture/not-listed.js';
import { withScratchDatabase } from '../capture/scratch.js';
import type { CaptureContext, CapturedFile } from '../tool.js';
import { DEFAULT_SCHEMA, DEFAULT_TABLE } from './history.js';

export interface CapturedNodePgMigrate {
  name: string;
  up: CapturedSql;
  /** `yes` with its SQL; `irreversible` (down = false); `missing` (no down, none inferable). */
  down: { kind: DownKind; sql: CapturedSql | null; note?: string };
  /** What really applying it (after the ones before it) changed in the scratch catalog; absent when it was not applied. */
  diff?: SchemaDiff;
  /** Why it could not be applied in the scratch database (it may need data an empty database lacks). */
  applyError?: string;
}

export interface NodePgMigrateCaptureOptions {
  /** History table name (default pgmigrations), excluded from the captured SQL. */
  migrationsTable?: string;
  migrationsSchema?: string;
  /** Capture downs too (default true). */
  downs?: boolean;
  /** Also apply each migration for real in the scratch database and diff the catalog around it (default true). */
  apply?: boolean;
}

const HEADER = /^### MIGRATION (.+) \((UP|DOWN)\) ###$/;

/** Capture every migration in `dir` (node-pg-migrate loads the whole directory anyway). */
export async function captureNodePgMigrate(dir: string, scratch: ConnInfo, options: NodePgMigrateCaptureOptions = {}): Promise<Map<string, CapturedNodePgMigrate>> {
  const migrationsTable = options.migrationsTable ?? DEFAULT_TABLE;
  const bookkeeping = new Set([migrationsTable, `${options.migrationsSchema ?? DEFAULT_SCHEMA}.${migrationsTable}`]);
  const { runner } = await loadNodePgMigrate();
  const client = await connect(scratch);
  try {
    const base = {
      dbClient: client,
      dir,
      migrationsTable,
      ...(options.migrationsSchema ? { migrationsSchema: options.migrationsSchema } : {}),
      checkOrder: false,
      verbose: true,
    };
    const { capture } = makeCollector();
    const ups = await capture((logger) => runner({ ...base, direction: 'up', count: Infinity, dryRun: true, logger }), dir);
    const out = new Map<string, CapturedNodePgMigrate>();
    for (const [name, texts] of ups) {
      out.set(name, { name, up: await migrationSql(texts, bookkeeping), down: { kind: 'missing', sql: null } });
    }
    if (out.size === 0) return out;

    // Apply them one by one for real, snapshotting the catalog around each (the dynamic half of the verdict).
    let failedAt: string | undefined;
    if (options.apply !== false) {
      for (const entry of out.values()) {
        const before = await schemaSnapshot(client, { exclude: [...bookkeeping] });
        try {
          await runner({ ...base, direction: 'up', count: 1, logger: quietLogger });
        } catch (err) {
          entry.applyError = (err as Error).message;
          failedAt = entry.name;
          break;
        }
        entry.diff = diffSchemas(before, await schemaSnapshot(client, { exclude: [...bookkeeping] }));
      }
    }
    if (options.downs === false) return out;

    // Record every migration (not applied for real) as run, then dry-run each down alone.
    if (options.apply === false || failedAt !== undefined) {
      await client.query(`DELETE FROM ${quoteQualified(options.migrationsSchema ?? DEFAULT_SCHEMA, migrationsTable)}`).catch(() => undefined);
      await runner({ ...base, direction: 'up', count: Infinity, fake: true, logger: quietLogger });
    }
    for (const entry of out.values()) {
      try {
        const downs = await capture((logger) => runner({ ...base, direction: 'down', file: entry.name, count: 1, dryRun: true, logger }), dir);
        const texts = downs.get(entry.name);
        entry.down = texts ? { kind: 'yes', sql: await migrationSql(texts, bookkeeping) } : { kind: 'missing', sql: null };
      } catch (err) {
        const message = (err as Error).message;
        if (/disabled down migration/i.test(message)) entry.down = { kind: 'irreversible', sql: null, note: 'down = false' };
        else if (/infer down migration/i.test(message)) entry.down = { kind: 'missing', sql: null, note: message };
        else throw captureError(dir, err);
      }
    }
    return out;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * classify: the SQL of each file, its down, and what applying it did to the
 * catalog — one scratch database per folder (node-pg-migrate loads a whole
 * directory).
 */
export async function captureFiles(files: readonly string[], context: CaptureContext): Promise<CapturedFile[]> {
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(path.dirname(f), [...(byDir.get(path.dirname(f)) ?? []), f]);
  const out = new Map<string, CapturedFile>();
  for (const [dir, dirFiles] of byDir) {
    context.onProgress(`capturing the SQL of ${dirFiles.length} node-pg-migrate migration(s) in ${dir} (dry run in a scratch database)`);
    const captured = await withScratchDatabase(context.scratch, (conn) =>
      captureNodePgMigrate(dir, conn, { migrationsTable: context.migrationsTable, migrationsSchema: context.migrationsSchema }),
    );
    for (const file of dirFiles) {
      const c = captured.get(path.basename(file).replace(/\.[^.]+$/, ''));
      if (!c) throw notListed(file, 'node-pg-migrate did not load it as a migration');
      const kind = c.down.kind === 'yes' || c.down.kind === 'inferred' ? 'yes' : c.down.kind === 'irreversible' ? 'irreversible' : 'missing';
      out.set(file, { path: file, up: c.up, down: { kind, sql: c.down.sql }, diff: c.diff ?? null, applyError: c.applyError ?? null });
    }
  }
  return files.map((f) => out.get(f)!);
}

/** Debug output of runner calls, grouped by the migration each `### MIGRATION` line announced. */
function makeCollector() {
  let current: string | undefined;
  let groups = new Map<string, string[]>();
  const logger = {
    info: (msg: string) => {
      const m = HEADER.exec(String(msg).trim());
      if (m) current = m[1];
    },
    debug: (msg: string) => {
      if (current === undefined) return;
      const list = groups.get(current) ?? [];
      list.push(String(msg));
      groups.set(current, list);
    },
    warn: () => undefined,
    error: () => undefined,
  };
  /** Run one runner call and return what it logged. */
  const capture = async (run: (l: typeof logger) => Promise<unknown>, dir: string): Promise<Map<string, string[]>> => {
    current = undefined;
    groups = new Map();
    try {
      await run(logger);
    } catch (err) {
      if (/disabled down migration|infer down migration/i.test((err as Error).message)) throw err;
      throw captureError(dir, err);
    }
    return groups;
  };
  return { capture };
}

const quietLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function captureError(dir: string, err: unknown): DbrollbackError {
  return new DbrollbackError('MIGRATIONS_INVALID', `node-pg-migrate could not build the SQL of the migrations in ${dir}: ${(err as Error).message}`, {
    hint: 'Run node-pg-migrate on them yourself to see the problem; a migration that queries the database while it is built (pgm.db) may need data the empty scratch database does not have.',
    cause: err,
  });
}
