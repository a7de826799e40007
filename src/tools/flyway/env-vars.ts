/**
 * Flyway's environment variables for the settings dbrollback acts on, read
 * as the Flyway 10–13 command line reads them (flyway-core
 * ConfigUtils.convertKey / environmentVariablesToPropertyMap and
 * TomlUtils.loadConfigurationFromEnvironment):
 *
 *  - the documented upper-case names, matched exactly: FLYWAY_OUT_OF_ORDER,
 *    FLYWAY_PLACEHOLDER_REPLACEMENT, FLYWAY_PLACEHOLDER_PREFIX,
 *    FLYWAY_PLACEHOLDER_SUFFIX, FLYWAY_TABLE, FLYWAY_DEFAULT_SCHEMA,
 *    FLYWAY_SCHEMAS, FLYWAY_LOCATIONS, and the naming of migration files:
 *    FLYWAY_SQL_MIGRATION_PREFIX, FLYWAY_UNDO_SQL_MIGRATION_PREFIX,
 *    FLYWAY_REPEATABLE_SQL_MIGRATION_PREFIX, FLYWAY_SQL_MIGRATION_SEPARATOR,
 *    FLYWAY_SQL_MIGRATION_SUFFIXES, FLYWAY_VALIDATE_MIGRATION_NAMING; what
 *    migrate does: FLYWAY_TARGET, FLYWAY_BASELINE_ON_MIGRATE,
 *    FLYWAY_BASELINE_VERSION, FLYWAY_BASELINE_DESCRIPTION,
 *    FLYWAY_BASELINE_MIGRATION_PREFIX, FLYWAY_GROUP, FLYWAY_MIXED,
 *    FLYWAY_IGNORE_MIGRATION_PATTERNS, FLYWAY_VALIDATE_ON_MIGRATE,
 *    FLYWAY_EXECUTE_IN_TRANSACTION, FLYWAY_SKIP_EXECUTING_MIGRATIONS,
 *    FLYWAY_INSTALLED_BY;
 *  - FLYWAY_PLACEHOLDERS_<NAME>: the placeholder <name>, lower-cased
 *    (convertKey: `toLowerCase(Locale.ENGLISH)`), so FLYWAY_PLACEHOLDERS_REGION
 *    sets `${region}`;
 *  - with TOML configuration (or none), also the lower-case form TomlUtils
 *    reads: `flyway_<key>` with every `_` read as `.` (`flyway_outOfOrder`,
 *    `flyway_placeholders_Region` keeping its case), which wins over the
 *    FLYWAY_ name of the same setting; `flyway_environment` (documented: "has
 *    to be lower case") chooses the TOML environment. The legacy `.conf`
 *    mode reads only the FLYWAY_ names.
 *
 * They override the configuration files (Flyway's "Configuration setting
 * precedence": command line, then environment variables, then files); a
 * command-line flag would win over both, and dbrollback's own
 * migrationsTable/migrationsSchema play that part. FLYWAY_CONFIG_FILES (more
 * files to read) is config.ts's.
 */
import { DbrollbackError } from '../../errors.js';

/** The FLYWAY_ names (ConfigUtils.convertKey) of the settings dbrollback acts on. */
export const FLYWAY_ENV_NAMES: Readonly<Record<string, string>> = {
  FLYWAY_OUT_OF_ORDER: 'flyway.outOfOrder',
  FLYWAY_PLACEHOLDER_REPLACEMENT: 'flyway.placeholderReplacement',
  FLYWAY_PLACEHOLDER_PREFIX: 'flyway.placeholderPrefix',
  FLYWAY_PLACEHOLDER_SUFFIX: 'flyway.placeholderSuffix',
  FLYWAY_TABLE: 'flyway.table',
  FLYWAY_DEFAULT_SCHEMA: 'flyway.defaultSchema',
  FLYWAY_SCHEMAS: 'flyway.schemas',
  FLYWAY_LOCATIONS: 'flyway.locations',
  FLYWAY_SQL_MIGRATION_PREFIX: 'flyway.sqlMigrationPrefix',
  FLYWAY_UNDO_SQL_MIGRATION_PREFIX: 'flyway.undoSqlMigrationPrefix',
  FLYWAY_REPEATABLE_SQL_MIGRATION_PREFIX: 'flyway.repeatableSqlMigrationPrefix',
  FLYWAY_SQL_MIGRATION_SEPARATOR: 'flyway.sqlMigrationSeparator',
  FLYWAY_SQL_MIGRATION_SUFFIXES: 'flyway.sqlMigrationSuffixes',
  FLYWAY_VALIDATE_MIGRATION_NAMING: 'flyway.validateMigrationNaming',
  FLYWAY_TARGET: 'flyway.target',
  FLYWAY_BASELINE_ON_MIGRATE: 'flyway.baselineOnMigrate',
  FLYWAY_BASELINE_VERSION: 'flyway.baselineVersion',
  FLYWAY_BASELINE_DESCRIPTION: 'flyway.baselineDescription',
  FLYWAY_BASELINE_MIGRATION_PREFIX: 'flyway.baselineMigrationPrefix',
  FLYWAY_GROUP: 'flyway.group',
  FLYWAY_MIXED: 'flyway.mixed',
  FLYWAY_IGNORE_MIGRATION_PATTERNS: 'flyway.ignoreMigrationPatterns',
  FLYWAY_VALIDATE_ON_MIGRATE: 'flyway.validateOnMigrate',
  FLYWAY_EXECUTE_IN_TRANSACTION: 'flyway.executeInTransaction',
  FLYWAY_SKIP_EXECUTING_MIGRATIONS: 'flyway.skipExecutingMigrations',
  FLYWAY_INSTALLED_BY: 'flyway.installedBy',
};

const PLACEHOLDERS = 'FLYWAY_PLACEHOLDERS_';
const READ_KEYS = new Set([...Object.values(FLYWAY_ENV_NAMES), 'flyway.environment']);

export interface FlywayEnvSettings {
  /** `flyway.<key>` → value, as the files' keys are written. */
  keys: Map<string, string>;
  /** `flyway.<key>` → the variable that set it (for messages). */
  from: Map<string, string>;
}

/**
 * The settings the environment gives, for the configuration mode Flyway is in
 * (`toml`: TOML files or none; `conf`: legacy .conf files).
 */
export function flywayEnvSettings(env: NodeJS.ProcessEnv, mode: 'toml' | 'conf'): FlywayEnvSettings {
  const keys = new Map<string, string>();
  const from = new Map<string, string>();
  const names = Object.keys(env).sort();
  for (const name of names) {
    const value = env[name];
    if (value === undefined) continue;
    const key = FLYWAY_ENV_NAMES[name] ?? (name.startsWith(PLACEHOLDERS) && name.length > PLACEHOLDERS.length ? `flyway.placeholders.${name.slice(PLACEHOLDERS.length).toLowerCase()}` : undefined);
    if (key === undefined) continue;
    keys.set(key, value);
    from.set(key, name);
  }
  if (mode === 'conf') return { keys, from };
  // TomlUtils: the flyway_ form of a setting wins over its FLYWAY_ name.
  for (const name of names) {
    const value = env[name];
    if (value === undefined || !name.startsWith('flyway_')) continue;
    const key = name.replace(/_/g, '.');
    if (key.startsWith('flyway.placeholders.')) {
      const placeholder = key.slice('flyway.placeholders.'.length);
      if (placeholder === '' || placeholder.includes('.')) {
        throw new DbrollbackError('CONFIG_INVALID', `Unable to parse the environment variable ${name}: Flyway reads its underscores as dots (${key}), which is not a placeholder name (Flyway stops too: "Unable to parse command line params.")`, {
          hint: `Unset ${name}; set the placeholder with FLYWAY_PLACEHOLDERS_<NAME> (its name lower-cased) or in the Flyway configuration file. Nothing was changed.`,
        });
      }
    } else if (!READ_KEYS.has(key)) continue;
    keys.set(key, value);
    from.set(key, name);
  }
  return { keys, from };
}
