/**
 * The migration-adapter family's registry: which tool a project uses
 * (explicit --migrator, else detected from the config module and the
 * migrations directory) and the factory that opens its adapter.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SharedSession } from '../db/session.js';
import { DbrollbackError } from '../errors.js';
import type { AdapterOptions, MigratorAdapter, MigratorKind, ToolSettings } from './contract.js';
import { createNodePgMigrateAdapter, NODE_PG_MIGRATE_LOCK } from './node-pg-migrate/run.js';
import { createSqlDirAdapter, SQL_DIR_LOCK } from './sql/run.js';
import { createUmzugAdapter, findUmzugExport } from './umzug/run.js';

/** What opening an adapter may need beyond the resolved config. */
export interface OpenAdapterOptions {
  /** Log lines from the migration tool (node-pg-migrate's logger), never the console. */
  log?: (line: string) => void;
  /** A connection the adapter may use for read-only queries (undo shares its lock session). */
  session?: SharedSession;
}

type Factory = (options: AdapterOptions & OpenAdapterOptions) => MigratorAdapter;

const FACTORIES: Record<MigratorKind, Factory> = {
  'node-pg-migrate': createNodePgMigrateAdapter,
  umzug: createUmzugAdapter,
  sql: createSqlDirAdapter,
};

const LOCKS: Record<MigratorKind, ReadonlyArray<{ key: bigint; owner: string }>> = {
  'node-pg-migrate': [NODE_PG_MIGRATE_LOCK],
  umzug: [],
  sql: [SQL_DIR_LOCK],
};

/** The advisory locks a migrator takes while it runs (what dbrollback must see free before acting). */
export function migratorLockKeys(kind: MigratorKind): ReadonlyArray<{ key: bigint; owner: string }> {
  return LOCKS[kind];
}

/** Open the adapter for the project's migration tool. Nothing connects until a method is called. */
export async function openAdapter(config: ToolSettings, options: OpenAdapterOptions = {}): Promise<MigratorAdapter> {
  const kind = await detectMigrator(config);
  if (kind !== 'umzug' && config.migrationsDir === undefined) throw noMigrationsDir(kind);
  return FACTORIES[kind]({
    conn: config.conn,
    // umzug finds its own migrations; '' tells its adapter none was configured.
    migrationsDir: config.migrationsDir ?? '',
    ...(config.configModule !== undefined ? { configModule: config.configModule } : {}),
    ...(config.migrationsTable !== undefined ? { migrationsTable: config.migrationsTable } : {}),
    ...(config.migrationsSchema !== undefined ? { migrationsSchema: config.migrationsSchema } : {}),
    ...options,
  });
}

type DetectInput = Pick<ToolSettings, 'migrator' | 'migrationsDir' | 'configModule'>;

/**
 * Which migration tool the project uses, when --migrator is not given:
 *  1. the config module exports `umzug` → umzug;
 *  2. the migrations directory holds `*.up.sql` / `*.down.sql` → sql;
 *  3. it holds .js/.cjs/.mjs/.ts files, or .sql files in node-pg-migrate's
 *     `-- Up Migration` format → node-pg-migrate.
 */
export async function detectMigrator(config: DetectInput): Promise<MigratorKind> {
  if (config.migrator !== undefined) return config.migrator;
  if (findUmzugExport(config.configModule) !== undefined) return 'umzug';
  const dir = config.migrationsDir;
  if (dir === undefined) {
    throw new DbrollbackError('MIGRATIONS_INVALID', 'no migrations directory: pass --migrations DIR (no ./migrations directory was found, and the config does not export an umzug instance)', {
      hint: 'Pass --migrations DIR (or set "migrations" in dbrollback.config.*), and --migrator node-pg-migrate|umzug|sql if it cannot be detected.',
    });
  }
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the migrations directory ${dir}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at the directory that holds your migration files.',
      cause,
    });
  }
  const visible = names.filter((n) => !n.startsWith('.'));
  if (visible.some((n) => /\.(up|down)\.sql$/i.test(n))) return 'sql';
  if (visible.some((n) => /\.(c|m)?(j|t)s$/i.test(n) && !n.endsWith('.d.ts'))) return 'node-pg-migrate';
  for (const name of visible.filter((n) => /\.sql$/i.test(n))) {
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => '');
    // node-pg-migrate's own marker regex (sqlMigration.ts).
    if (/^\s*--[\s-]*up\s+migration/im.test(text)) return 'node-pg-migrate';
  }
  throw new DbrollbackError('MIGRATOR_UNKNOWN', `cannot tell which migration tool ${dir} belongs to (no *.up.sql/*.down.sql, no .js/.ts migrations, no "-- Up Migration" .sql files, and the config does not export umzug)`, {
    hint: 'Pass --migrator node-pg-migrate|umzug|sql (or set "migrator" in dbrollback.config.*).',
    details: { dir },
  });
}

function noMigrationsDir(kind: MigratorKind): DbrollbackError {
  return new DbrollbackError('MIGRATIONS_INVALID', `--migrator ${kind} needs a migrations directory, and none is configured (no ./migrations directory was found)`, {
    hint: 'Pass --migrations DIR (or set "migrations" in dbrollback.config.*).',
  });
}
