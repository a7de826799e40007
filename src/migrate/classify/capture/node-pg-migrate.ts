/**
 * The SQL node-pg-migrate migrations would run, as node-pg-migrate itself
 * produces it: its `runner` in dry-run mode with a logger collecting the debug
 * output (the generated SQL of each migration, announced by its
 * `### MIGRATION name (UP|DOWN) ###` line). A dry run still takes the
 * advisory lock and creates the history table, so it is pointed at a scratch
 * database, never the user's.
 *
 * Downs: the history table of the scratch database is filled with a fake run
 * first, then each migration's down is dry-run on its own, so one
 * irreversible migration does not hide the others.
 */
import { runner } from 'node-pg-migrate';
import { connect } from '../../../db/connection.js';
import type { ConnInfo } from '../../../db/conninfo.js';
import { DbrollbackError } from '../../../errors.js';
import type { DownKind } from '../../adapter.js';
import { migrationSql, type CapturedSql } from './captured-sql.js';

export interface CapturedNodePgMigrate {
  name: string;
  up: CapturedSql;
  /** `yes` with its SQL; `irreversible` (down = false); `missing` (no down, none inferable). */
  down: { kind: DownKind; sql: CapturedSql | null; note?: string };
}

export interface NodePgMigrateCaptureOptions {
  /** History table name (default pgmigrations), excluded from the captured SQL. */
  migrationsTable?: string;
  migrationsSchema?: string;
  /** Capture downs too (default true). */
  downs?: boolean;
}

const HEADER = /^### MIGRATION (.+) \((UP|DOWN)\) ###$/;

/** Capture every migration in `dir` (node-pg-migrate loads the whole directory anyway). */
export async function captureNodePgMigrate(dir: string, scratch: ConnInfo, options: NodePgMigrateCaptureOptions = {}): Promise<Map<string, CapturedNodePgMigrate>> {
  const migrationsTable = options.migrationsTable ?? 'pgmigrations';
  const bookkeeping = new Set([migrationsTable, `${options.migrationsSchema ?? 'public'}.${migrationsTable}`]);
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
    if (options.downs === false || out.size === 0) return out;

    // Record every migration as run (nothing is executed), then dry-run each down alone.
    await runner({ ...base, direction: 'up', count: Infinity, fake: true, logger: quietLogger });
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
