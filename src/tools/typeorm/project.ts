/**
 * A TypeORM project as its CLI sees it (`typeorm migration:run -d
 * data-source.ts`): a file exporting one DataSource (the instance, or a
 * promise of it), whose options list the migrations — classes, or globs of
 * files whose exported classes are migrations. TypeScript sources load
 * through jiti, as the CLI's ts-node register would load them; globs are
 * expanded with the glob TypeORM itself uses (the project's own typeorm's
 * dependency), relative to the working directory as TypeORM does.
 *
 * dbrollback never uses the exported instance itself (it is bound to the
 * project's own database): it builds a DataSource of the same class with the
 * same options, on the database it was given, with the migrations (and
 * entities, subscribers) as the classes loaded here, and runs TypeORM's own
 * runner on it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { loadModule } from '../load-module.js';
import type { ToolConnection } from '../tool-connection.js';

const BASE_NAMES = ['data-source', 'datasource', 'dataSource', 'app-data-source', 'ormconfig'];
const EXTENSIONS = ['.ts', '.js', '.mts', '.mjs', '.cts', '.cjs'];
const FOLDERS = ['', 'src', path.join('src', 'db'), path.join('src', 'database'), path.join('src', 'config'), 'db', 'database'];

export const DEFAULT_TABLE = 'migrations';

/**
 * The DataSource file: the one the project's package.json scripts give the
 * typeorm CLI (`typeorm-ts-node-commonjs -d src/config/typeorm.config.ts`),
 * else one of the usual names in the working directory's usual places; then
 * the same beside (or above) the migrations directory, up to its package.json.
 */
export function findDataSourceFile(migrationsDir: string | undefined, cwd = process.cwd()): string | undefined {
  const roots = [cwd];
  if (migrationsDir) {
    const parent = path.dirname(path.resolve(migrationsDir));
    roots.push(parent, path.dirname(parent));
    const project = packageRoot(migrationsDir);
    if (project !== undefined && !roots.includes(project)) roots.push(project);
  }
  for (const root of roots) {
    const scripted = scriptedDataSources(root).find((file) => existsSync(file) && looksLikeDataSource(file));
    if (scripted) return scripted;
    for (const folder of root === cwd ? FOLDERS : ['']) {
      for (const base of BASE_NAMES) {
        for (const ext of EXTENSIONS) {
          const candidate = path.join(root, folder, base + ext);
          if (existsSync(candidate) && looksLikeDataSource(candidate)) return candidate;
        }
      }
    }
  }
  return undefined;
}

/** The nearest folder above `dir` holding a package.json: the project the migrations belong to. */
function packageRoot(dir: string): string | undefined {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'package.json'))) return current;
    if (path.dirname(current) === current) return undefined;
  }
}

/** The files `-d`/`--dataSource` names in package.json scripts that run typeorm, in script order, resolved from `root` (where npm runs them). */
export function scriptedDataSources(root: string): string[] {
  let scripts: unknown;
  try {
    scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: unknown }).scripts;
  } catch {
    return [];
  }
  if (typeof scripts !== 'object' || scripts === null) return [];
  const out: string[] = [];
  for (const script of Object.values(scripts)) {
    if (typeof script !== 'string' || !/typeorm/.test(script)) continue;
    for (const m of script.matchAll(/(?:^|\s)(?:-d|--dataSource|--data-source)(?:\s+|=)(["']?)([^\s"'&|;]+)\1/g)) {
      const file = path.resolve(root, m[2]!);
      if (!out.includes(file)) out.push(file);
    }
  }
  return out;
}

function looksLikeDataSource(file: string): boolean {
  try {
    const text = readFileSync(file, 'utf8');
    return /\bDataSource\b/.test(text) && /typeorm/.test(text);
  } catch {
    return false;
  }
}

/** The parts of a TypeORM 0.3 DataSource dbrollback uses (duck-typed: it is the project's own typeorm). */
export interface DataSourceLike {
  options: Record<string, unknown>;
  migrations: MigrationInstance[];
  isInitialized: boolean;
  initialize(): Promise<unknown>;
  destroy(): Promise<void>;
  runMigrations(options?: { transaction?: 'all' | 'none' | 'each' }): Promise<Array<{ name: string }>>;
  undoLastMigration(options?: { transaction?: 'all' | 'none' | 'each' }): Promise<void>;
}

export interface MigrationInstance {
  name?: string;
  transaction?: boolean;
  up(queryRunner: unknown): Promise<unknown>;
  down(queryRunner: unknown): Promise<unknown>;
}

export interface TypeormMigration {
  /** What TypeORM records: the instance's `name`, else its class name. */
  name: string;
  /** The JavaScript timestamp at the end of the name (TypeORM's order, and its `timestamp` column). */
  timestamp: number;
  path: string | null;
  migrationClass: new () => MigrationInstance;
  instance: MigrationInstance;
}

export interface TypeormProject {
  file: string;
  options: Record<string, unknown>;
  DataSource: new (options: Record<string, unknown>) => DataSourceLike;
  /** In TypeORM's order (timestamp). */
  migrations: TypeormMigration[];
  entities: unknown[];
  subscribers: unknown[];
  table: { schema: string | null; table: string };
}

export async function loadTypeormProject(file: string, overrides: { migrationsTable?: string | undefined; migrationsSchema?: string | undefined } = {}): Promise<TypeormProject> {
  let exported: Record<string, unknown>;
  try {
    exported = (await loadModule(file)).exports;
  } catch (cause) {
    throw new DbrollbackError('CONFIG_INVALID', `cannot load the TypeORM data source ${file}: ${(cause as Error).message}`, {
      hint: 'Fix the data source file (`typeorm migration:show -d FILE` shows the same error), then try again.',
      cause,
    });
  }
  const found: DataSourceLike[] = [];
  for (const value of isDataSource(exported) ? [exported] : Object.values(exported)) {
    const awaited = await value;
    if (isDataSource(awaited) && !found.includes(awaited)) found.push(awaited);
  }
  if (found.length !== 1) {
    throw new DbrollbackError('CONFIG_INVALID', `the TypeORM data source file ${file} must export exactly one DataSource instance (it exports ${found.length})`, {
      hint: 'Export the DataSource: `export const AppDataSource = new DataSource({ ... })` (or `export default`).',
    });
  }
  const source = found[0]!;
  const options = source.options;
  if (options.type !== 'postgres') {
    throw new DbrollbackError('CONFIG_INVALID', `the TypeORM data source in ${file} is of type "${String(options.type)}", not postgres`, {
      hint: 'dbrollback works on PostgreSQL: point it at a DataSource with type "postgres".',
    });
  }
  const require = typeormRequire(file);
  const migrations = await migrationsOf(await loadClasses(toList(options.migrations), require));
  const schema = overrides.migrationsSchema ?? (typeof options.schema === 'string' ? options.schema : null);
  const table = overrides.migrationsTable ?? (typeof options.migrationsTableName === 'string' ? options.migrationsTableName : DEFAULT_TABLE);
  return {
    file,
    options,
    DataSource: source.constructor as TypeormProject['DataSource'],
    migrations,
    entities: (await loadClasses(toList(options.entities), require)).map((c) => c.value),
    subscribers: (await loadClasses(toList(options.subscribers), require)).map((c) => c.value),
    table: { schema, table },
  };
}

function isDataSource(value: unknown): value is DataSourceLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string | symbol, unknown>;
  return v['@instanceof'] === Symbol.for('DataSource') || (typeof v.runMigrations === 'function' && typeof v.undoLastMigration === 'function' && typeof v.options === 'object');
}

function toList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') return Object.values(value);
  return [value];
}

/** `require` from the project's typeorm (for the glob it uses). */
function typeormRequire(file: string): NodeRequire {
  try {
    return createRequire(createRequire(file).resolve('typeorm'));
  } catch (cause) {
    throw new DbrollbackError('TOOL_FAILED', `cannot find typeorm from ${file}: ${(cause as Error).message}`, {
      hint: 'Install the project\'s dependencies (npm ci): dbrollback runs the typeorm your project installed.',
      cause,
    });
  }
}

const FORMATS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

/** As TypeORM's importClassesFromDirectories: classes given as such, and every exported function (class) of the files a glob matches. */
async function loadClasses(entries: readonly unknown[], require: NodeRequire): Promise<Array<{ value: unknown; path: string | null }>> {
  const out: Array<{ value: unknown; path: string | null }> = [];
  const globs = entries.filter((e): e is string => typeof e === 'string');
  for (const e of entries) if (typeof e !== 'string') out.push({ value: e, path: null });
  if (globs.length === 0) return out;
  const glob = require('glob') as { sync(pattern: string, options?: Record<string, unknown>): string[] };
  const files = globs.flatMap((g) => glob.sync(g.replace(/\\/g, '/')).sort());
  for (const file of files.filter((f) => FORMATS.includes(path.extname(f)) && !f.endsWith('.d.ts'))) {
    const absolute = path.resolve(file);
    const exports = (await loadModule(absolute)).exports;
    for (const value of exportedClasses(exports)) out.push({ value, path: absolute });
  }
  return out;
}

function exportedClasses(exported: unknown, into: unknown[] = []): unknown[] {
  if (typeof exported === 'function') into.push(exported);
  else if (Array.isArray(exported)) exported.forEach((v) => exportedClasses(v, into));
  else if (typeof exported === 'object' && exported !== null) Object.values(exported).forEach((v) => exportedClasses(v, into));
  return into;
}

async function migrationsOf(classes: ReadonlyArray<{ value: unknown; path: string | null }>): Promise<TypeormMigration[]> {
  const out = classes.map(({ value, path: file }) => {
    const migrationClass = value as new () => MigrationInstance;
    const instance = new migrationClass();
    const name = instance.name || migrationClass.name;
    const timestamp = parseInt(name.slice(-13), 10);
    if (!timestamp || Number.isNaN(timestamp)) {
      throw new DbrollbackError('MIGRATIONS_INVALID', `${name}${file ? ` (${file})` : ''}: a TypeORM migration's class name must end with a JavaScript timestamp`, {
        hint: 'TypeORM refuses it too; name the class like CreateUsers1704067200000 (what `typeorm migration:create` writes).',
      });
    }
    return { name, timestamp, path: file, migrationClass, instance };
  });
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

/** TypeORM's logger interface, sending everything to `log` (its console logger would write to stdout). */
function loggerTo(log: (line: string) => void): Record<string, (...args: unknown[]) => void> {
  const line = (...args: unknown[]) => log(args.filter((a) => typeof a === 'string').join(' '));
  return { logQuery: () => undefined, logQueryError: line, logQuerySlow: () => undefined, logSchemaBuild: line, logMigration: line, log: line };
}

/**
 * A DataSource of the project's class and options on `connection` (its own
 * url, host and replication settings replaced), with the loaded classes;
 * never synchronizing, dropping or running migrations on its own.
 * `migrations` narrows the migrations it knows (one at a time for migrate).
 */
export function newDataSource(project: TypeormProject, connection: ToolConnection, options: { log?: (line: string) => void; migrations?: readonly TypeormMigration[] } = {}): DataSourceLike {
  const { url: _url, replication: _replication, host: _host, port: _port, username: _username, password: _password, database: _database, ssl: _ssl, ...rest } = project.options;
  return new project.DataSource({
    ...rest,
    host: connection.host,
    port: connection.port,
    username: connection.user,
    password: connection.password,
    database: connection.database,
    ssl: connection.ssl,
    migrations: (options.migrations ?? project.migrations).map((m) => m.migrationClass),
    entities: project.entities,
    subscribers: project.subscribers,
    migrationsRun: false,
    synchronize: false,
    dropSchema: false,
    logging: false,
    logger: loggerTo(options.log ?? (() => undefined)),
  });
}
