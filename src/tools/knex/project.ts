/**
 * A Knex project as the knex CLI sees it: its knexfile (knexfile.js, .cjs,
 * .mjs or .ts — TypeScript loaded through jiti, as the CLI loads it through
 * its TypeScript register), the environment's config (NODE_ENV, else
 * `development`, when the knexfile exports one config per environment), and
 * its `migrations` settings: directory (relative to the knexfile, where the
 * CLI runs), tableName, schemaName, loadExtensions, sortDirsSeparately,
 * disableTransactions.
 *
 * Knex itself is the project's own copy, required from beside the knexfile
 * (a project pins its knex; the SQL its schema builder writes is that
 * version's). Its migrations are listed by Knex's own FsMigrations (same
 * order, extensions and names — the file name, extension included) and
 * loaded as Knex loads them: CommonJS through require, ESM through import(),
 * TypeScript through jiti.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { loadModule } from '../load-module.js';
import type { ToolConnection } from '../tool-connection.js';

export const KNEXFILE_NAMES = ['knexfile.ts', 'knexfile.js', 'knexfile.cjs', 'knexfile.mjs', 'knexfile.mts', 'knexfile.cts'];

export const DEFAULT_TABLE = 'knex_migrations';

/**
 * Where a knexfile may be: the working directory (where the knex CLI looks),
 * else up from the migrations directory (knex's default is `./migrations`
 * beside it; `db/migrations` and the like put it two levels up), stopping at
 * the package's root.
 */
export function findKnexfile(migrationsDir: string | undefined, cwd = process.cwd()): string | undefined {
  const dirs = [cwd];
  if (migrationsDir) {
    for (let dir = path.dirname(path.resolve(migrationsDir)), i = 0; i < 3; dir = path.dirname(dir), i++) {
      dirs.push(dir);
      if (existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir) break;
    }
  }
  for (const dir of dirs) {
    for (const name of KNEXFILE_NAMES) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export interface KnexMigrationSettings {
  /** Absolute directories, in the knexfile's order. */
  directories: string[];
  tableName: string;
  schemaName: string | null;
  loadExtensions: string[] | undefined;
  sortDirsSeparately: boolean;
  disableTransactions: boolean;
  /** Everything else of the knexfile's `migrations` (hooks, disableMigrationsListValidation), passed on to Knex. */
  rest: Record<string, unknown>;
}

export interface KnexProject {
  knexfile: string;
  /** The environment's config (client, pool, searchPath, ...). */
  config: Record<string, unknown>;
  migrations: KnexMigrationSettings;
}

export interface KnexMigrationFile {
  /** The name Knex records: the file name. */
  name: string;
  path: string;
}

export async function loadKnexProject(knexfile: string, overrides: { migrationsTable?: string | undefined; migrationsSchema?: string | undefined } = {}): Promise<KnexProject> {
  let exported: unknown;
  try {
    exported = (await loadModule(knexfile)).exports;
  } catch (cause) {
    throw new DbrollbackError('CONFIG_INVALID', `cannot load the knexfile ${knexfile}: ${(cause as Error).message}`, {
      hint: 'Fix the knexfile (run `knex migrate:status` to see the same error), then try again.',
      cause,
    });
  }
  let config = unwrapDefault(exported);
  // The knex CLI: a knexfile may export a (possibly async) function returning its config.
  if (typeof config === 'function') config = await (config as () => unknown)();
  if (typeof config !== 'object' || config === null) throw badKnexfile(knexfile, 'it exports no config object');
  const all = config as Record<string, unknown>;
  const environment = process.env.NODE_ENV || 'development';
  const chosen = (typeof all[environment] === 'object' && all[environment] !== null ? all[environment] : all) as Record<string, unknown>;
  const client = String(chosen.client ?? '');
  if (chosen === all && client === '' && Object.values(all).some((v) => typeof v === 'object' && v !== null && 'client' in v)) {
    // The knex CLI would fail the same way: no config for this environment.
    const environments = Object.keys(all);
    throw badKnexfile(knexfile, `it has no config for the environment "${environment}" (NODE_ENV, else development); it has ${environments.join(', ')}`, {
      hint: `Run with NODE_ENV set to the environment whose database this is (${environments.map((e) => `NODE_ENV=${e}`).join(', ')}), as the knex CLI reads it (or its --env).`,
    });
  }
  if (!/^(pg|postgres|postgresql|pgnative|pg-native)$/i.test(client)) {
    throw badKnexfile(knexfile, `its ${chosen === all ? '' : `"${environment}" `}config's client is ${client ? `"${client}"` : 'not set'}, not pg (dbrollback works on PostgreSQL)`);
  }
  const raw = (typeof chosen.migrations === 'object' && chosen.migrations !== null ? chosen.migrations : {}) as Record<string, unknown>;
  if (raw.migrationSource !== undefined) throw badKnexfile(knexfile, 'its migrations use a custom migrationSource, which dbrollback does not read');
  const { directory, tableName, schemaName, loadExtensions, sortDirsSeparately, disableTransactions, extension: _extension, stub: _stub, ...rest } = raw;
  const base = path.dirname(knexfile);
  const dirs = (Array.isArray(directory) ? directory : [directory ?? './migrations']).map((d) => path.resolve(base, String(d)));
  return {
    knexfile,
    config: chosen,
    migrations: {
      directories: dirs,
      tableName: overrides.migrationsTable ?? (typeof tableName === 'string' ? tableName : DEFAULT_TABLE),
      schemaName: overrides.migrationsSchema ?? (typeof schemaName === 'string' ? schemaName : null),
      loadExtensions: Array.isArray(loadExtensions) ? loadExtensions.map(String) : undefined,
      sortDirsSeparately: sortDirsSeparately === true,
      disableTransactions: disableTransactions === true,
      rest,
    },
  };
}

function unwrapDefault(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'default' in value && !('client' in value)) return (value as { default: unknown }).default;
  return value;
}

function badKnexfile(knexfile: string, why: string, options: { hint?: string } = {}): DbrollbackError {
  return new DbrollbackError('CONFIG_INVALID', `the knexfile ${knexfile} cannot be used: ${why}`, {
    hint: options.hint ?? 'Point dbrollback at a knexfile whose config uses client "pg" and the default migration source (migrations.directory).',
  });
}

/** The Knex factory (`require('knex')`) of the project's own installed copy. */
export type KnexFactory = (config: Record<string, unknown>) => KnexInstance;

export interface KnexInstance {
  migrate: {
    up(config?: Record<string, unknown>): Promise<[number, string[]]>;
    down(config?: Record<string, unknown>): Promise<[number, string[]]>;
    latest(config?: Record<string, unknown>): Promise<[number, string[]]>;
  };
  transaction<T>(run: (trx: unknown) => Promise<T>): Promise<T>;
  destroy(): Promise<void>;
}

interface FsMigrationsLike {
  getMigrations(loadExtensions?: string[]): Promise<Array<{ file: string; directory: string }>>;
  getMigrationName(m: { file: string; directory: string }): string;
}

function projectRequire(project: KnexProject): NodeRequire {
  return createRequire(project.knexfile);
}

export function knexFactory(project: KnexProject): KnexFactory {
  try {
    const loaded = projectRequire(project)('knex') as { knex?: unknown; default?: unknown };
    const factory = typeof loaded === 'function' ? loaded : (loaded.knex ?? loaded.default);
    if (typeof factory !== 'function') throw new Error('the knex package exports no factory');
    return factory as KnexFactory;
  } catch (cause) {
    throw new DbrollbackError('TOOL_FAILED', `cannot load knex from the project of ${project.knexfile}: ${(cause as Error).message}`, {
      hint: 'Install the project\'s dependencies (npm ci): dbrollback runs the knex your project installed.',
      cause,
    });
  }
}

/** The migration files, as Knex's own FsMigrations lists and names them. */
export async function listKnexMigrations(project: KnexProject): Promise<KnexMigrationFile[]> {
  const source = fsMigrations(project);
  const found = await source.getMigrations(project.migrations.loadExtensions).catch((cause: unknown) => {
    throw new DbrollbackError('MIGRATIONS_INVALID', `knex cannot read its migrations directory ${project.migrations.directories.join(', ')}: ${(cause as Error).message}`, {
      hint: 'Fix migrations.directory in the knexfile (it is relative to the knexfile), or create the directory.',
      cause,
    });
  });
  return found.map((m) => ({ name: source.getMigrationName(m), path: path.resolve(m.directory, m.file) }));
}

function fsMigrations(project: KnexProject): FsMigrationsLike {
  const { FsMigrations } = projectRequire(project)('knex/lib/migrations/migrate/sources/fs-migrations') as {
    FsMigrations: new (dirs: string[], sortDirsSeparately: boolean, loadExtensions?: string[]) => FsMigrationsLike;
  };
  return new FsMigrations(project.migrations.directories, project.migrations.sortDirsSeparately, project.migrations.loadExtensions);
}

/** A migration module's exports as Knex sees them (`up`, `down`, `config`). */
export async function loadKnexMigration(file: string): Promise<Record<string, unknown>> {
  return (await loadModule(file)).exports;
}

/** Called around a migration's own function (capture marks what it sent). */
export interface MigrationWrap {
  enter(): void;
  leave(): void;
}

/**
 * Knex's migration source for this project: Knex's own listing and naming,
 * each module loaded as above (the one thing the CLI does through a
 * register hook that a library call cannot).
 */
export function migrationSource(project: KnexProject, wrap?: MigrationWrap): Record<string, unknown> {
  const source = fsMigrations(project);
  return {
    getMigrations: (extensions?: string[]) => source.getMigrations(extensions ?? project.migrations.loadExtensions),
    getMigrationName: (m: { file: string; directory: string }) => source.getMigrationName(m),
    getMigration: async (m: { file: string; directory: string }) => {
      const exports = await loadKnexMigration(path.resolve(m.directory, m.file));
      if (!wrap) return exports;
      const around = (fn: unknown) =>
        typeof fn !== 'function'
          ? fn
          : async (knex: unknown) => {
              wrap.enter();
              try {
                return await (fn as (k: unknown) => unknown)(knex);
              } finally {
                wrap.leave();
              }
            };
      return { ...exports, up: around(exports.up), down: around(exports.down) };
    },
  };
}

/**
 * A Knex instance on `conn` (never the knexfile's own connection: dbrollback
 * acts on the database it was given), with the knexfile's settings, and
 * Knex's log sent to `log` (its default logger writes to stdout, which
 * --json keeps for one document).
 */
export function openKnex(project: KnexProject, connection: ToolConnection, options: { log?: (line: string) => void; wrap?: MigrationWrap } = {}): KnexInstance {
  const log = options.log ?? (() => undefined);
  const { migrations } = project;
  const pool = typeof project.config.pool === 'object' && project.config.pool !== null ? project.config.pool : {};
  return knexFactory(project)({
    ...project.config,
    connection,
    pool: { ...pool, min: 0 },
    log: { warn: log, error: log, deprecate: log, debug: log },
    migrations: {
      ...migrations.rest,
      tableName: migrations.tableName,
      ...(migrations.schemaName !== null ? { schemaName: migrations.schemaName } : {}),
      disableTransactions: migrations.disableTransactions,
      migrationSource: migrationSource(project, options.wrap),
    },
  });
}
