/**
 * The project's Flyway configuration, found where the Flyway 10+ command
 * line finds it by default (ConfigUtils.getDefaultTomlConfigFileLocations /
 * getDefaultLegacyConfigurationFiles, v10–v13) — its user home, then its
 * working directory, which for dbrollback is the directory it runs in:
 *
 *  - `~/flyway.toml`, `~/flyway.user.toml`, `./flyway.toml`,
 *    `./flyway.user.toml`, merged in that order (a later file wins);
 *  - only when none of those exists, the legacy `~/flyway.conf`, then
 *    `./flyway.conf` (Flyway ignores .conf files once a TOML file is there);
 *  - the files FLYWAY_CONFIG_FILES lists after them (and they choose the
 *    mode: a .toml there means TOML, a .conf the legacy files);
 *  - over the files, Flyway's environment variables (env-vars.ts:
 *    FLYWAY_TABLE, FLYWAY_PLACEHOLDERS_<NAME>, ...). In TOML, a setting of
 *    `[environments.<env>.flyway]` still wins over FLYWAY_<SETTING>, as
 *    ClassicConfiguration's getters prefer the environment's override.
 *
 * Flyway's installation directory (`<install>/conf/`) is not read: Flyway
 * is not installed here. Flyway's command-line flags do not reach
 * dbrollback; its migrationsTable/migrationsSchema settings play their part
 * and win over the files and the environment.
 *
 * The settings dbrollback acts on: outOfOrder; placeholders,
 * placeholderReplacement, placeholderPrefix and placeholderSuffix; table;
 * defaultSchema and schemas (the history's schema is defaultSchema, else the
 * first of schemas); locations (only to warn when --migrations is not one of
 * them); environment (which TOML environment's settings apply); the naming
 * of migration files — sqlMigrationPrefix, undoSqlMigrationPrefix,
 * repeatableSqlMigrationPrefix, sqlMigrationSeparator, sqlMigrationSuffixes
 * and validateMigrationNaming (names.ts); what migrate applies and what
 * its validation lets pass (migrate-settings.ts, state.ts, run.ts) — target
 * (a version, latest, current, next, `<version>?`), baselineOnMigrate with
 * baselineVersion and baselineDescription, baselineMigrationPrefix (the
 * latest baseline migration applied to a database without history), group
 * (refused with more than one migration pending: dbrollback applies one at
 * a time), mixed, ignoreMigrationPatterns, validateOnMigrate,
 * executeInTransaction and skipExecutingMigrations (refused: dbrollback does
 * not record what it did not run); installedBy (the history rows'
 * installed_by).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { mergeTomlSettings, parseConf, parseToml, resolveTomlSettings, tomlSettings, type TomlSettings } from './config-files.js';
import { flywayEnvSettings, type FlywayEnvSettings } from './env-vars.js';
import { parseIgnorePatterns, parseTarget, type FlywayTarget, type IgnorePattern } from './migrate-settings.js';
import { DEFAULT_NAMING, type FlywayNaming } from './names.js';

export interface FlywayConfig {
  /** The files read, in order (empty: none found, Flyway's defaults). */
  files: string[];
  /** The environment variables read (FLYWAY_TABLE, FLYWAY_PLACEHOLDERS_REGION, FLYWAY_CONFIG_FILES...), in name order. */
  environmentVariables: string[];
  /** Flyway's working directory (`${flyway:workingDirectory}`, relative locations). */
  workingDirectory: string;
  environment: string;
  outOfOrder: boolean;
  placeholderReplacement: boolean;
  placeholderPrefix: string;
  placeholderSuffix: string;
  /** The project's placeholders (`flyway.placeholders.<name>`). */
  placeholders: Map<string, string>;
  table: string | undefined;
  /** defaultSchema, else the first of schemas; undefined: the connection's (public). */
  defaultSchema: string | undefined;
  /** The filesystem locations, as absolute directories; empty when not configured. */
  locations: string[];
  /** How migration files are named (V1__x.sql, U1__x.sql, R__x.sql by default). */
  naming: FlywayNaming;
  /** Where migrate stops (migrate-settings.ts); `latest` by default. */
  target: FlywayTarget;
  /** baselineOnMigrate: a schema holding objects but no history gets a BASELINE row, then is migrated above it. */
  baselineOnMigrate: boolean;
  /** baselineVersion (default 1), as Flyway records it (`_` read as `.`). */
  baselineVersion: string;
  baselineDescription: string;
  /** baselineMigrationPrefix (default B): the prefix of baseline migrations (files.ts). */
  baselineMigrationPrefix: string;
  /** group: all pending migrations in one transaction. */
  group: boolean;
  /** mixed: a migration may hold statements PostgreSQL refuses in a transaction beside others (it then runs outside one). */
  mixed: boolean;
  /** What validation lets pass (default `*:future`). */
  ignoreMigrationPatterns: IgnorePattern[];
  /** validateOnMigrate (default true): migrate validates first. */
  validateOnMigrate: boolean;
  /** executeInTransaction (default true): false runs every script outside a transaction (a script's .sql.conf still wins). */
  executeInTransaction: boolean;
  /** skipExecutingMigrations (default false): true records migrations without running them, which dbrollback refuses to do. */
  skipExecutingMigrations: boolean;
  /** installedBy: what the history's installed_by records (default: the connection's current_user). */
  installedBy: string | undefined;
}

export interface FlywayConfigOptions {
  workingDirectory?: string;
  home?: string;
  /** The environment Flyway would see (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export function loadFlywayConfig(options: FlywayConfigOptions = {}): FlywayConfig {
  const workingDirectory = path.resolve(options.workingDirectory ?? process.cwd());
  const home = options.home ?? os.homedir();
  const env = options.env ?? process.env;
  const { mode, files, listed } = configFiles(workingDirectory, home, env);
  // Environment variables override the files (Flyway's configuration setting precedence).
  const fromEnv = flywayEnvSettings(env, mode);
  const flat = mode === 'toml' ? tomlKeys(files, fromEnv) : confKeys(files, fromEnv, env);
  const placeholders = new Map<string, string>();
  for (const [k, v] of flat) if (k.startsWith('flyway.placeholders.')) placeholders.set(k.slice('flyway.placeholders.'.length), v);
  const list = (key: string) => (flat.get(key) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const schemas = list('flyway.schemas');
  const environmentVariables = [...new Set([...fromEnv.from.values(), ...(listed ? ['FLYWAY_CONFIG_FILES'] : [])])].sort();
  // Where a value came from, for the refusal of one Flyway refuses too.
  const origin = (key: string) => (fromEnv.from.has(key) && fromEnv.keys.get(key) === flat.get(key) ? `the environment variable ${fromEnv.from.get(key)}` : files.join(', '));
  return {
    files,
    environmentVariables,
    workingDirectory,
    environment: flat.get('flyway.environment') ?? 'default',
    outOfOrder: bool(flat, 'flyway.outOfOrder', false, origin),
    placeholderReplacement: bool(flat, 'flyway.placeholderReplacement', true, origin),
    placeholderPrefix: flat.get('flyway.placeholderPrefix') || '${',
    placeholderSuffix: flat.get('flyway.placeholderSuffix') || '}',
    placeholders,
    table: flat.get('flyway.table') || undefined,
    defaultSchema: flat.get('flyway.defaultSchema') || schemas[0],
    locations: list('flyway.locations').flatMap((l) => {
      // classpath: locations are inside the application's jars: nothing dbrollback can compare a directory with.
      if (l.startsWith('classpath:')) return [];
      return [path.resolve(workingDirectory, l.replace(/^filesystem:/, ''))];
    }),
    naming: {
      versionedPrefix: nonEmpty(flat, 'flyway.sqlMigrationPrefix', DEFAULT_NAMING.versionedPrefix, origin),
      undoPrefix: nonEmpty(flat, 'flyway.undoSqlMigrationPrefix', DEFAULT_NAMING.undoPrefix, origin),
      repeatablePrefix: nonEmpty(flat, 'flyway.repeatableSqlMigrationPrefix', DEFAULT_NAMING.repeatablePrefix, origin),
      separator: nonEmpty(flat, 'flyway.sqlMigrationSeparator', DEFAULT_NAMING.separator, origin),
      suffixes: flat.has('flyway.sqlMigrationSuffixes') ? nonEmptyList(list('flyway.sqlMigrationSuffixes'), 'flyway.sqlMigrationSuffixes', origin) : DEFAULT_NAMING.suffixes,
      validate: bool(flat, 'flyway.validateMigrationNaming', DEFAULT_NAMING.validate, origin),
    },
    target: parseTarget(flat.get('flyway.target'), origin('flyway.target')),
    baselineOnMigrate: bool(flat, 'flyway.baselineOnMigrate', false, origin),
    baselineVersion: baselineVersion(flat.get('flyway.baselineVersion'), origin),
    baselineDescription: flat.get('flyway.baselineDescription') ?? '<< Flyway Baseline >>',
    baselineMigrationPrefix: nonEmpty(flat, 'flyway.baselineMigrationPrefix', 'B', origin),
    group: bool(flat, 'flyway.group', false, origin),
    mixed: bool(flat, 'flyway.mixed', false, origin),
    ignoreMigrationPatterns: parseIgnorePatterns(flat.get('flyway.ignoreMigrationPatterns'), origin('flyway.ignoreMigrationPatterns')),
    validateOnMigrate: bool(flat, 'flyway.validateOnMigrate', true, origin),
    executeInTransaction: bool(flat, 'flyway.executeInTransaction', true, origin),
    skipExecutingMigrations: bool(flat, 'flyway.skipExecutingMigrations', false, origin),
    installedBy: flat.get('flyway.installedBy') || undefined,
  };
}

/** ClassicConfiguration.getBaselineVersion: 1 by default; a version (MigrationVersion: `_` read as `.`), else refused as Flyway refuses it. */
function baselineVersion(value: string | undefined, origin: (key: string) => string): string {
  if (value === undefined || value.trim() === '') return '1';
  const version = value.trim().replace(/_/g, '.');
  if (/^\d+(\.\d+)*$/.test(version)) return version;
  throw new DbrollbackError('CONFIG_INVALID', `Invalid value for flyway.baselineVersion: ${value} (in ${origin('flyway.baselineVersion')}): not a version`, {
    hint: `Set baselineVersion to the version the existing schema matches, e.g. 1 or 2.1 (in ${origin('flyway.baselineVersion')}); Flyway refuses this value too. Nothing was changed.`,
  });
}

/** A naming setting: an empty one would make every file (or none) a migration, so it is refused rather than guessed at. */
function nonEmpty(flat: Map<string, string>, key: string, fallback: string, origin: (key: string) => string): string {
  const value = flat.get(key);
  if (value === undefined) return fallback;
  if (value.trim() === '') throw emptyNaming(key, origin);
  return value;
}

function nonEmptyList(values: string[], key: string, origin: (key: string) => string): string[] {
  if (values.length === 0) throw emptyNaming(key, origin);
  return values;
}

function emptyNaming(key: string, origin: (key: string) => string): DbrollbackError {
  return new DbrollbackError('CONFIG_INVALID', `${key} is empty (in ${origin(key)}): dbrollback cannot tell which files are migrations`, {
    hint: `Give ${key} a value (Flyway's default: ${key.endsWith('Suffixes') ? '.sql' : key.endsWith('Separator') ? '__' : key.includes('undo') ? 'U' : key.includes('repeatable') ? 'R' : key.includes('baseline') ? 'B' : 'V'}), or remove the setting. Nothing was changed.`,
  });
}

/** The Flyway configuration where dbrollback runs; Flyway's defaults when it cannot be read (the adapter reports why when it opens). */
export function configOrDefaults(): Pick<FlywayConfig, 'defaultSchema' | 'table' | 'naming'> {
  try {
    return loadFlywayConfig();
  } catch {
    // A Flyway configuration that cannot be read is reported when the Flyway adapter opens; detection looks at the defaults.
    return { defaultSchema: undefined, table: undefined, naming: DEFAULT_NAMING };
  }
}

/**
 * The files Flyway reads and its mode (ConfigurationManagerImpl.useModernConfig,
 * without -configFiles): FLYWAY_CONFIG_FILES first — a .toml there means TOML
 * mode, other names the legacy mode, both refused — then the default locations.
 * TOML mode skips a listed file that does not exist; the legacy mode refuses it.
 */
function configFiles(workingDirectory: string, home: string, env: NodeJS.ProcessEnv): { mode: 'toml' | 'conf'; files: string[]; listed: boolean } {
  const listed = (env.FLYWAY_CONFIG_FILES ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => path.resolve(workingDirectory, f));
  const listedToml = listed.filter((f) => f.endsWith('.toml'));
  const listedConf = listed.filter((f) => !f.endsWith('.toml'));
  if (listedToml.length > 0 && listedConf.length > 0) {
    throw new DbrollbackError('CONFIG_INVALID', `Using both TOML configuration and CONF configuration is not supported (FLYWAY_CONFIG_FILES names ${listed.join(', ')}; Flyway refuses it too)`, {
      hint: 'List only .toml files, or only .conf files, in FLYWAY_CONFIG_FILES. Nothing was changed.',
    });
  }
  const defaultToml = unique([path.join(home, 'flyway.toml'), path.join(home, 'flyway.user.toml'), path.join(workingDirectory, 'flyway.toml'), path.join(workingDirectory, 'flyway.user.toml')]).filter((f) => existsSync(f));
  const defaultConf = unique([path.join(home, 'flyway.conf'), path.join(workingDirectory, 'flyway.conf')]).filter((f) => existsSync(f));
  const mode = listedToml.length > 0 ? 'toml' : listedConf.length > 0 ? 'conf' : defaultToml.length > 0 || defaultConf.length === 0 ? 'toml' : 'conf';
  const files = mode === 'toml' ? unique([...defaultToml, ...listedToml.filter((f) => existsSync(f))]) : unique([...defaultConf, ...listedConf]);
  return { mode, files, listed: listed.length > 0 };
}

/** TOML mode: the files merged, then the environment's settings — schemas into the environment in effect (an EnvironmentModel field), the rest into [flyway]. */
function tomlKeys(files: readonly string[], fromEnv: FlywayEnvSettings): Map<string, string> {
  const read = files.map((file) => tomlSettings(parseToml(readText(file), file))).reduce(mergeTomlSettings, { flyway: new Map(), environments: new Map() } as TomlSettings);
  const flyway = new Map(read.flyway);
  for (const [k, v] of fromEnv.keys) if (k !== 'flyway.schemas') flyway.set(k, v);
  const environments = new Map(read.environments);
  const schemas = fromEnv.keys.get('flyway.schemas');
  if (schemas) {
    const name = flyway.get('flyway.environment') ?? 'default';
    environments.set(name, { schemas, flyway: environments.get(name)?.flyway ?? new Map() });
  }
  return resolveTomlSettings({ flyway, environments });
}

/** Legacy mode: the files' keys, a later file winning, then the environment's. */
function confKeys(files: readonly string[], fromEnv: FlywayEnvSettings, env: NodeJS.ProcessEnv): Map<string, string> {
  const flat = new Map<string, string>();
  for (const file of files) for (const [k, v] of parseConf(readText(file), env)) flat.set(k, v);
  for (const [k, v] of fromEnv.keys) flat.set(k, v);
  return flat;
}

/** ConfigUtils.removeBoolean: true or false (any case), else refused as Flyway refuses it. */
function bool(flat: Map<string, string>, key: string, fallback: boolean, origin: (key: string) => string): boolean {
  const value = flat.get(key);
  if (value === undefined) return fallback;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new DbrollbackError('CONFIG_INVALID', `Invalid value for ${key} (should be either true or false): ${value} (in ${origin(key)})`, {
    hint: `Set ${key} to true or false (in ${origin(key)}); Flyway refuses it too. Nothing was changed.`,
  });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new DbrollbackError('CONFIG_INVALID', `Unable to load config file: ${file} (${(cause as Error).message})`, { hint: 'Make the Flyway configuration file readable, or move it away. Nothing was changed.', cause });
  }
}

function unique(files: string[]): string[] {
  return [...new Set(files)];
}
