/**
 * Which migration tool a project uses, when --migrator does not say:
 *  1. a tool the project's config names (umzug: an instance exported) — the
 *     config is the project's own word, over what its files look like;
 *  2. else the tools whose file format the migrations directory holds;
 *  3. when that leaves more than one (or none) and a database can be asked,
 *     the tools whose history table it holds (`pgmigrations`,
 *     `dbrollback_migrations`, `schema_migrations (version, dirty)`, ...):
 *     among the file matches when there are some, else on their own.
 * Two tools left is refused (exit 2) naming both and the --migrator values
 * to choose from; none is refused naming every format looked for.
 *
 * The database is asked only when the files do not decide, and only when the
 * caller gives a way to ask it (a drill never looks at the configured one).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/connection.js';
import type { ConnInfo } from '../db/conninfo.js';
import { onSession, type SharedSession } from '../db/session.js';
import { DbrollbackError, orList } from '../errors.js';
import type { ToolSettings } from './contract.js';
import type { DetectMatch, HistoryProbe, MigrationTool, ProjectEvidence } from './tool.js';
import { loadFlywayConfig, type FlywayConfig } from './flyway/config.js';
import { nodePgMigrateProject } from './node-pg-migrate/project.js';
import { springChangelog } from './liquibase/spring-changelog.js';

/** A table detection found: its schema, name and columns. */
export interface FoundTable {
  schema: string;
  table: string;
  columns: string[];
}

/** Looks the probes' tables up in a database. */
export type HistoryLookup = (probes: readonly HistoryProbe[]) => Promise<FoundTable[]>;

export type DetectSettings = Pick<ToolSettings, 'migrator' | 'migrationsDir' | 'configModule'> & Partial<Pick<ToolSettings, 'migrationsTable' | 'migrationsSchema'>>;

export interface DetectOptions {
  /** How to see the database's history tables; without it detection goes by the files alone. */
  history?: HistoryLookup;
}

/** The kind of the tool the project uses, among `tools` (the registry's list, in its order). */
export async function detectAmong(tools: readonly MigrationTool[], settings: DetectSettings, options: DetectOptions = {}): Promise<string> {
  const choices = tools.map((t) => t.kind);
  if (settings.migrator !== undefined) {
    if (!choices.includes(settings.migrator)) throw unknownKind(settings.migrator, choices);
    return settings.migrator;
  }
  const evidence = await gather(settings);
  const matches: Array<{ tool: MigrationTool; match: DetectMatch }> = [];
  for (const tool of tools) {
    const match = await tool.detect(evidence);
    if (match) matches.push({ tool, match });
  }
  const byConfig = matches.filter((m) => m.match.by === 'config');
  if (byConfig.length === 1) return byConfig[0]!.tool.kind;
  if (byConfig.length > 1) throw ambiguous(byConfig, 'the config names more than one migration tool', choices);

  if (settings.migrationsDir === undefined) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `no migrations directory: pass --migrations DIR (no ./migrations directory was found, and the config names no migration tool)${otherDefaultDirs()}`, {
      hint: `Pass --migrations DIR (or set "migrations" in dbrollback.config.*), and --migrator ${choices.join('|')} if it cannot be detected.`,
    });
  }
  const dir = settings.migrationsDir;
  if (matches.length === 1) return matches[0]!.tool.kind;

  const history = options.history ? await historyMatches(tools, settings, options.history) : null;
  if (matches.length > 1) {
    const both = history ? matches.filter((m) => history.has(m.tool.kind)) : [];
    if (both.length === 1) return both[0]!.tool.kind;
    const why =
      history === null
        ? 'and no database was asked which history table it holds'
        : both.length === 0
          ? 'and the database holds the history table of none of them'
          : 'and the database holds the history tables of more than one of them';
    throw ambiguous(both.length > 1 ? both : matches, `the migrations in ${dir} match more than one migration tool, ${why}`, choices);
  }
  if (history !== null && history.size === 1) return [...history.keys()][0]!;
  if (history !== null && history.size > 1) {
    const found = [...history].map(([kind, table]) => ({ tool: tools.find((t) => t.kind === kind)!, match: { by: 'files' as const, reason: `the database holds its history table ${table}` } }));
    throw ambiguous(found, `the files in ${dir} match no migration tool, and the database holds the history tables of more than one`, choices);
  }
  throw new DbrollbackError('MIGRATOR_UNKNOWN', `cannot tell which migration tool ${dir} belongs to: its files are in none of the formats looked for${history !== null ? ', and the database holds no known history table' : ''}`, {
    hint: `Pass --migrator ${choices.join('|')} (or set "migrator" in dbrollback.config.*).`,
    details: { dir },
  });
}

/**
 * Where another tool keeps its migrations by default, when that folder is in
 * the working directory: dbrollback's default is ./migrations only, so a
 * dbmate project run from its root is told which folder to name.
 */
export function otherDefaultDirs(cwd: string = process.cwd()): string {
  const flyway = flywayDirs(cwd);
  if (flyway !== '') return flyway;
  const spring = springChangelog(cwd);
  if (spring !== null) {
    const dir = path.dirname(spring.file);
    return `; ./${spring.file} is the root changelog Spring Boot's Liquibase runs (${spring.from}): pass --migrations ${dir} --migrator liquibase`;
  }
  // A Sqitch project run from its root: the project folder is what dbrollback reads (its plan names the scripts).
  const sqitch = ['sqitch.conf', 'sqitch.plan'].find((name) => existsSync(path.join(cwd, name)));
  if (sqitch !== undefined) return `; ./${sqitch} is a Sqitch project's: pass --migrations . (dbrollback reads its plan and scripts as Sqitch does)`;
  const prisma = prismaDirs(cwd);
  if (prisma !== '') return prisma;
  const drizzle = drizzleDirs(cwd);
  if (drizzle !== '') return drizzle;
  const nodePgMigrate = nodePgMigrateDirs(cwd);
  if (nodePgMigrate !== '') return nodePgMigrate;
  const dir = path.join(cwd, 'db', 'migrations');
  if (!existsSync(dir)) return '';
  // golang-migrate's files there are `migrate create -dir db/migrations`'s, not dbmate's: say whose the folder looks like.
  const golang = (() => {
    try {
      return readdirSync(dir).some((n) => /^[0-9]+_.*\.(up|down)\.sql$/.test(n));
    } catch {
      return false;
    }
  })();
  return golang
    ? '; ./db/migrations exists and holds VERSION_name.up.sql files (golang-migrate\'s, as `migrate create -dir db/migrations` writes them): pass --migrations db/migrations --migrator golang-migrate'
    : "; ./db/migrations exists (dbmate's default --migrations-dir): pass --migrations db/migrations";
}

/**
 * A Prisma project run from its root: Prisma keeps its migrations in a
 * `migrations` folder beside the schema file — `prisma/schema.prisma` by
 * default, or the one package.json's `"prisma": {"schema": ...}` names.
 */
/**
 * A Drizzle project run from its root: drizzle-kit writes its migrations to the `out` folder its config
 * (drizzle.config.ts/.js/.mjs/.json) names — `./drizzle` by default — with `meta/_journal.json` in it.
 */
function drizzleDirs(cwd: string): string {
  const config = ['drizzle.config.ts', 'drizzle.config.js', 'drizzle.config.mjs', 'drizzle.config.cjs', 'drizzle.config.json'].find((name) => existsSync(path.join(cwd, name)));
  if (config === undefined) return '';
  let text = '';
  try {
    text = readFileSync(path.join(cwd, config), 'utf8');
  } catch {
    return '';
  }
  // The config is code: only a plain string literal for `out` is read (anything else, drizzle-kit's default).
  const out = /["']?\bout["']?\s*:\s*(["'`])([^"'`$]+)\1/.exec(text)?.[2]?.trim() ?? 'drizzle';
  const dir = path.normalize(out).replace(/\/+$/, '');
  if (!existsSync(path.join(cwd, dir, 'meta', '_journal.json'))) return '';
  return `; ./${config} is a Drizzle project's: drizzle-kit's migrations are in ${dir} (its meta/_journal.json is there): pass --migrations ${dir}`;
}

/**
 * A node-pg-migrate project run from its root: the migrations-dir (and
 * migrations-table) its package.json script gives `node-pg-migrate`, on the
 * command line or in the config file it names.
 */
function nodePgMigrateDirs(cwd: string): string {
  const project = nodePgMigrateProject(cwd);
  if (project === null || !existsSync(path.join(cwd, project.dir))) return '';
  const dir = path.normalize(project.dir).replace(/\/+$/, '');
  const from = project.configFile !== undefined ? ` with ${project.configFile}` : '';
  const named = [...(project.table !== undefined ? [`"migrationsTable": "${project.table}"`] : []), ...(project.schema !== undefined ? [`"migrationsSchema": "${project.schema}"`] : [])];
  const table = named.length > 0 ? ` and set ${named.join(' and ')} in dbrollback.config.json (its migrations-${project.table !== undefined ? 'table' : 'schema'}${named.length > 1 ? ' and migrations-schema' : ''})` : '';
  return `; package.json's "${project.script}" script runs node-pg-migrate${from} on ${dir}: pass --migrations ${dir}${table}`;
}

function prismaDirs(cwd: string): string {
  const schema = packageJsonPrismaSchema(cwd);
  const candidates = [...(schema ? [{ dir: path.join(path.dirname(path.resolve(cwd, schema)), 'migrations'), why: `beside the schema package.json names, ${schema}` }] : []), { dir: path.join(cwd, 'prisma', 'migrations'), why: "Prisma's default, beside prisma/schema.prisma" }];
  const found = candidates.find((c) => existsSync(path.join(c.dir, 'migration_lock.toml')));
  if (!found) return '';
  const relative = path.relative(cwd, found.dir);
  return `; ./${relative} exists and holds Prisma's migration_lock.toml (${found.why}): pass --migrations ${relative}`;
}

function packageJsonPrismaSchema(cwd: string): string | undefined {
  try {
    const schema = (JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as { prisma?: { schema?: unknown } }).prisma?.schema;
    return typeof schema === 'string' ? schema : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Flyway project run from its root: the filesystem locations its Flyway
 * configuration names (flyway.toml's `locations`), else Spring Boot's and
 * Flyway's default `classpath:db/migration` as a Maven/Gradle project holds
 * it (src/main/resources/db/migration) — the folders to pass as --migrations.
 */
function flywayDirs(cwd: string): string {
  let config: FlywayConfig | null = null;
  try {
    config = loadFlywayConfig({ workingDirectory: cwd });
  } catch {
    // An unreadable Flyway configuration is reported where dbrollback reads it for a Flyway run; here it only names no folder.
  }
  const relative = (dir: string) => path.relative(cwd, dir) || '.';
  const named = (config?.locations ?? []).filter((dir) => existsSync(dir));
  if (config !== null && named.length > 0) {
    const from = [...config.files.map((f) => path.basename(f)), ...config.environmentVariables].join(', ');
    return `; the Flyway configuration (${from}) names the location${named.length === 1 ? '' : 's'} ${named.map(relative).join(', ')}: pass --migrations ${relative(named[0]!)} --migrator flyway`;
  }
  const spring = path.join(cwd, 'src', 'main', 'resources', 'db', 'migration');
  return existsSync(spring) ? "; ./src/main/resources/db/migration exists (Flyway's default location classpath:db/migration in a Maven or Gradle project): pass --migrations src/main/resources/db/migration --migrator flyway" : '';
}

/**
 * The tools whose format a folder's files are in, by the files (and the
 * config) alone — what detection's step 2 sees, for classify without
 * --migrator, which has no database to ask.
 */
export async function folderMatches(tools: readonly MigrationTool[], dir: string, configModule: Record<string, unknown> | undefined, readText?: (file: string) => string): Promise<Array<{ tool: MigrationTool; match: DetectMatch }>> {
  const evidence = await gather({ migrator: undefined, migrationsDir: dir, configModule }, readText);
  const matches: Array<{ tool: MigrationTool; match: DetectMatch }> = [];
  for (const tool of tools) {
    const match = await tool.detect(evidence);
    if (match) matches.push({ tool, match });
  }
  const byConfig = matches.filter((m) => m.match.by === 'config');
  return byConfig.length > 0 ? byConfig : matches;
}

/**
 * The tool that runs these code migration files (classify without
 * --migrator): the one the config names, else the only code tool whose
 * format they are in; two is refused naming both.
 */
export async function detectCodeTool(tools: readonly MigrationTool[], files: readonly string[], configModule: Record<string, unknown> | undefined): Promise<MigrationTool> {
  const codeTools = tools.filter((t) => t.capture && t.capture.readsCode !== false);
  const byName = new Map(files.map((f) => [path.basename(f), f]));
  const dirs = new Set(files.map((f) => path.dirname(path.resolve(f))));
  const evidence: ProjectEvidence = {
    // The files' folder, when they share one: a tool's config file may sit beside it.
    dir: dirs.size === 1 ? [...dirs][0] : undefined,
    files: [...byName.keys()].sort(),
    read: memoizedRead((name) => byName.get(name) ?? name),
    configModule,
  };
  const matches: Array<{ tool: MigrationTool; match: DetectMatch }> = [];
  for (const tool of codeTools) {
    const match = await tool.detect(evidence);
    if (match) matches.push({ tool, match });
  }
  const byConfig = matches.filter((m) => m.match.by === 'config');
  const chosen = byConfig.length > 0 ? byConfig : matches;
  if (chosen.length === 1) return chosen[0]!.tool;
  const choices = codeTools.map((t) => t.kind);
  if (chosen.length > 1) throw ambiguous(chosen, `${files[0]} and the other code migrations given could belong to more than one migration tool`, choices);
  throw new DbrollbackError('NOT_A_MIGRATION', `${files[0]} is code, but no migration tool dbrollback knows runs it as a migration`, {
    hint: `Pass --migrator ${orList(choices)} for code migrations.`,
  });
}

/** A lookup on the run's session when it has one, else on a connection of its own. */
export function historyLookupOn(conn: ConnInfo, session?: SharedSession): HistoryLookup {
  return (probes) => onSession(session, conn, (db) => findHistoryTables(db, probes));
}

/** The probes' tables that exist, with their columns (one catalog query for all of them). */
export async function findHistoryTables(db: Db, probes: readonly HistoryProbe[]): Promise<FoundTable[]> {
  if (probes.length === 0) return [];
  const { rows } = await db.query<FoundTable>(
    `SELECT n.nspname AS schema, c.relname AS table, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN unnest($1::text[], $2::text[]) AS p(schema, name) ON p.schema = n.nspname AND p.name = c.relname
      WHERE c.relkind IN ('r', 'p', 'v')
      GROUP BY n.nspname, c.relname`,
    [probes.map((p) => p.schema), probes.map((p) => p.table)],
  );
  return rows;
}

/** Whether the tables found hold the probe's: its name, every column it needs, none it must not have. */
export function probeFound(probe: HistoryProbe, found: ReadonlyArray<{ schema: string; table: string; columns: readonly string[] }>): boolean {
  return found.some((t) => t.schema === probe.schema && t.table === probe.table && probe.columns.every((c) => t.columns.includes(c)) && !(probe.without ?? []).some((c) => t.columns.includes(c)));
}

/** Which tools' history tables the database holds: kind → the table found. */
async function historyMatches(tools: readonly MigrationTool[], settings: DetectSettings, lookup: HistoryLookup): Promise<Map<string, string>> {
  const historySettings = { migrationsTable: settings.migrationsTable, migrationsSchema: settings.migrationsSchema };
  const probes = tools.map((tool) => ({ tool, probes: tool.historyTables(historySettings) }));
  const found = await lookup(probes.flatMap((p) => p.probes));
  const out = new Map<string, string>();
  for (const { tool, probes: own } of probes) {
    const hit = own.find((probe) => probeFound(probe, found));
    if (hit) out.set(tool.kind, `${hit.schema}.${hit.table}`);
  }
  return out;
}

/** `readText`: the caller's reader of the folder's files (classify's, which keeps each text for the run). */
async function gather(settings: DetectSettings, readText?: (file: string) => string): Promise<ProjectEvidence> {
  const dir = settings.migrationsDir;
  let files: string[] = [];
  if (dir !== undefined) {
    try {
      files = (await readdir(dir, { withFileTypes: true }))
        .filter((d) => d.isFile() || d.isSymbolicLink())
        .map((d) => d.name)
        .filter((n) => !n.startsWith('.'))
        .sort();
    } catch (cause) {
      throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the migrations directory ${dir}: ${(cause as Error).message}`, {
        hint: 'Pass --migrations DIR pointing at the directory that holds your migration files.',
        cause,
      });
    }
  }
  return {
    dir,
    files,
    read: memoizedRead((name) => (dir === undefined ? undefined : path.join(dir, name)), readText),
    configModule: settings.configModule,
  };
}

/**
 * ProjectEvidence.read: each file read once however many tools ask (every
 * tool's detect may read every file), and synchronously — a folder of a
 * thousand small files read one await at a time left the process idle for
 * most of a classify.
 */
function memoizedRead(pathOf: (name: string) => string | undefined, readText: (file: string) => string = (file) => readFileSync(file, 'utf8')): (name: string) => Promise<string> {
  const texts = new Map<string, string>();
  return (name) => {
    let text = texts.get(name);
    if (text === undefined) {
      const file = pathOf(name);
      try {
        text = file === undefined ? '' : readText(file);
      } catch {
        text = '';
      }
      texts.set(name, text);
    }
    return Promise.resolve(text);
  };
}

/** MIGRATOR_AMBIGUOUS naming each candidate with why it matched, and the --migrator values that settle it. */
export function ambiguous(found: ReadonlyArray<{ tool: MigrationTool; match: DetectMatch }>, what: string, choices: readonly string[]): DbrollbackError {
  const named = found.map((f) => `${f.tool.kind} (${f.match.reason})`);
  const kinds = found.map((f) => f.tool.kind);
  return new DbrollbackError('MIGRATOR_AMBIGUOUS', `${what}: ${named.join('; ')}`, {
    hint: `Say which one: ${kinds.map((k) => `--migrator ${k}`).join(' or ')} (or "migrator" in dbrollback.config.*; the tools are ${choices.join(', ')}).`,
    details: { candidates: kinds },
  });
}

function unknownKind(kind: string, choices: readonly string[]): DbrollbackError {
  return new DbrollbackError('MIGRATOR_UNKNOWN', `--migrator ${kind} is not a migration tool dbrollback knows`, {
    hint: `Pass --migrator ${choices.join('|')}.`,
  });
}
