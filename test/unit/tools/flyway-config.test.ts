/**
 * Flyway's configuration files and placeholder replacement, pure logic:
 * which files win (flyway.toml over flyway.conf; the working directory over
 * the user home), the keys read from each form, and the placeholders and
 * checksums as Flyway 10–12 compute them (repeatables over the replaced
 * text, versioned over the file's own), and Flyway's environment variables
 * over the files (FLYWAY_TABLE, FLYWAY_PLACEHOLDERS_<NAME>, ...).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dirWith, rejection, removeTempDirs } from '../../harness/fixtures.js';
import { flywayChecksum } from '../../../src/tools/flyway/checksum.js';
import { parseConf, parseToml, tomlToFlat } from '../../../src/tools/flyway/config-files.js';
import { loadFlywayConfig, type FlywayConfig } from '../../../src/tools/flyway/config.js';
import { flywayEnvSettings } from '../../../src/tools/flyway/env-vars.js';
import type { FlywayScript } from '../../../src/tools/flyway/files.js';
import { DEFAULT_NAMING } from '../../../src/tools/flyway/names.js';
import { checksumsOf, replacePlaceholders, type PlaceholderContext } from '../../../src/tools/flyway/placeholders.js';

afterEach(removeTempDirs);

const script = (file: string, kind: 'versioned' | 'repeatable' = 'versioned'): FlywayScript & { kind: string } => ({
  kind,
  version: kind === 'versioned' ? '1' : null,
  parts: kind === 'versioned' ? [1n] : [],
  description: 'x',
  name: file.replace(/\.sql$/, ''),
  script: `sub/${file}`,
  path: `/project/migrations/sub/${file}`,
});

const ctx = (config: Partial<FlywayConfig> = {}): PlaceholderContext => ({
  config: {
    files: [],
    environmentVariables: [],
    workingDirectory: '/project',
    environment: 'default',
    outOfOrder: false,
    placeholderReplacement: true,
    placeholderPrefix: '${',
    placeholderSuffix: '}',
    placeholders: new Map(),
    table: undefined,
    defaultSchema: undefined,
    locations: [],
    naming: DEFAULT_NAMING,
    target: { kind: 'latest' },
    baselineOnMigrate: false,
    baselineVersion: '1',
    baselineDescription: '<< Flyway Baseline >>',
    baselineMigrationPrefix: 'B',
    group: false,
    mixed: false,
    ignoreMigrationPatterns: [{ type: '*', state: 'future', text: '*:future' }],
    validateOnMigrate: true,
    executeInTransaction: true,
    skipExecutingMigrations: false,
    installedBy: undefined,
    ...config,
  },
  defaultSchema: 'ledger',
  table: 'flyway_schema_history',
  user: 'deploy',
  database: 'shop',
  startedAt: new Date(2026, 0, 2, 3, 4, 5),
});

describe('Flyway configuration files', () => {
  it('reads .conf as Flyway does: trimmed lines, backslashes kept, ${ENV} expanded, a trailing backslash continuing the value', () => {
    const conf = parseConf('# comment\n  flyway.outOfOrder = true\nflyway.placeholders.dir=C:\\data\\in\nflyway.placeholders.who=${DEPLOYER}\nflyway.placeholders.long=a,\\\n   b\nflyway.table: history\n', { DEPLOYER: 'ci' });
    expect(Object.fromEntries(conf)).toEqual({
      'flyway.outOfOrder': 'true',
      'flyway.placeholders.dir': 'C:\\data\\in',
      'flyway.placeholders.who': 'ci',
      'flyway.placeholders.long': 'a,b',
      'flyway.table': 'history',
    });
  });

  it('reads TOML: [flyway], [flyway.placeholders], the environment\'s schemas and its [environments.<env>.flyway] overrides', () => {
    const doc = parseToml(
      [
        'databaseType = "PostgreSql"',
        '[environments.default]',
        'url = "jdbc:postgresql://localhost/shop"',
        'schemas = ["ledger", "public"]',
        '[environments.default.flyway]',
        'outOfOrder = true',
        '[flyway]',
        'locations = [',
        '  "filesystem:migrations", # SQL',
        ']',
        "placeholderPrefix = '#['",
        'placeholderSuffix = "]"',
        'placeholders.region = "eu-west"',
        '[flyway.placeholders]',
        '"quoted key" = "a \\"b\\""',
      ].join('\n'),
      'flyway.toml',
    );
    expect(Object.fromEntries(tomlToFlat(doc))).toEqual({
      'flyway.locations': 'filesystem:migrations',
      'flyway.placeholderPrefix': '#[',
      'flyway.placeholderSuffix': ']',
      'flyway.placeholders.region': 'eu-west',
      'flyway.placeholders.quoted key': 'a "b"',
      'flyway.schemas': 'ledger,public',
      'flyway.outOfOrder': 'true',
      'flyway.environment': 'default',
    });
  });

  it('refuses TOML it cannot read naming the file and line, rather than guessing', () => {
    expect(() => parseToml('[flyway]\noutOfOrder = yes\n', 'flyway.toml')).toThrow(/flyway\.toml:2: a value Flyway settings use was expected/);
  });

  it('finds the files where Flyway does: flyway.toml (and flyway.user.toml) over flyway.conf, the working directory over the home', async () => {
    const home = await dirWith({ 'flyway.toml': '[flyway]\ntable = "from_home"\n[flyway.placeholders]\nregion = "home"\n' });
    const project = await dirWith({ 'flyway.conf': 'flyway.outOfOrder=true\n', 'flyway.toml': '[flyway]\n[flyway.placeholders]\nregion = "project"\n', 'flyway.user.toml': '[environments.default]\nschemas = ["mine"]\n' });
    const config = loadFlywayConfig({ workingDirectory: project, home });
    expect(config.files).toEqual([path.join(home, 'flyway.toml'), path.join(project, 'flyway.toml'), path.join(project, 'flyway.user.toml')]);
    // flyway.conf is not read once a TOML file is there.
    expect(config.outOfOrder).toBe(false);
    expect(config.table).toBe('from_home');
    expect(config.placeholders.get('region')).toBe('project');
    expect(config.defaultSchema).toBe('mine');

    const legacy = await dirWith({ 'flyway.conf': 'flyway.outOfOrder=TRUE\nflyway.locations=filesystem:sql,classpath:db/migration\n' });
    await mkdir(path.join(legacy, 'home'));
    const fromConf = loadFlywayConfig({ workingDirectory: legacy, home: path.join(legacy, 'home') });
    expect(fromConf.outOfOrder).toBe(true);
    expect(fromConf.locations).toEqual([path.join(legacy, 'sql')]);

    await writeFile(path.join(legacy, 'flyway.conf'), 'flyway.outOfOrder=sometimes\n');
    const bad = await rejection(Promise.resolve().then(() => loadFlywayConfig({ workingDirectory: legacy, home: path.join(legacy, 'home') })));
    expect(bad.code).toBe('CONFIG_INVALID');
    expect(bad.message).toContain('Invalid value for flyway.outOfOrder (should be either true or false): sometimes');
  });
});

describe('Flyway environment variables', () => {
  /** An empty home, so a developer's own ~/flyway.toml stays out of the test. */
  const emptyHome = () => dirWith({});

  it('maps the FLYWAY_ names of the settings read, placeholder names lower-cased as Flyway\'s convertKey does, and ignores the others', () => {
    const env = {
      FLYWAY_TABLE: 'history',
      FLYWAY_DEFAULT_SCHEMA: 'ledger',
      FLYWAY_SCHEMAS: 'ledger,public',
      FLYWAY_OUT_OF_ORDER: 'true',
      FLYWAY_PLACEHOLDER_REPLACEMENT: 'false',
      FLYWAY_PLACEHOLDER_PREFIX: '#[',
      FLYWAY_PLACEHOLDER_SUFFIX: ']',
      FLYWAY_LOCATIONS: 'filesystem:sql',
      FLYWAY_PLACEHOLDERS_REGION: 'eu',
      FLYWAY_PLACEHOLDERS_Tenant_Name: 'acme',
      // Not a setting dbrollback reads, not Flyway's spelling, not Flyway's at all.
      FLYWAY_URL: 'jdbc:postgresql://x/y',
      FLYWAY_table: 'nope',
      FLYWAY_PLACEHOLDERS_: 'nope',
      PATH: '/bin',
    };
    const { keys, from } = flywayEnvSettings(env, 'conf');
    expect(Object.fromEntries(keys)).toEqual({
      'flyway.table': 'history',
      'flyway.defaultSchema': 'ledger',
      'flyway.schemas': 'ledger,public',
      'flyway.outOfOrder': 'true',
      'flyway.placeholderReplacement': 'false',
      'flyway.placeholderPrefix': '#[',
      'flyway.placeholderSuffix': ']',
      'flyway.locations': 'filesystem:sql',
      'flyway.placeholders.region': 'eu',
      'flyway.placeholders.tenant_name': 'acme',
    });
    expect(from.get('flyway.placeholders.region')).toBe('FLYWAY_PLACEHOLDERS_REGION');
  });

  it('reads the lower-case flyway_<key> form only in TOML mode, where it wins over the FLYWAY_ name; an underscore in its placeholder name is refused', () => {
    const env = { FLYWAY_TABLE: 'upper', flyway_table: 'lower', flyway_environment: 'ci', flyway_placeholders_Region: 'eu', flyway_url: 'ignored' };
    expect(Object.fromEntries(flywayEnvSettings(env, 'toml').keys)).toEqual({ 'flyway.table': 'lower', 'flyway.environment': 'ci', 'flyway.placeholders.Region': 'eu' });
    expect(Object.fromEntries(flywayEnvSettings(env, 'conf').keys)).toEqual({ 'flyway.table': 'upper' });
    expect(() => flywayEnvSettings({ flyway_placeholders_my_key: 'x' }, 'toml')).toThrow(/flyway_placeholders_my_key: Flyway reads its underscores as dots \(flyway\.placeholders\.my\.key\)/);
  });

  it('TOML: the environment wins over [flyway], placeholders name by name, FLYWAY_SCHEMAS over the environment\'s schemas; [environments.<env>.flyway] still wins over FLYWAY_TABLE', async () => {
    const home = await emptyHome();
    const project = await dirWith({
      'flyway.toml': ['[flyway]', 'table = "from_file"', 'outOfOrder = false', '[flyway.placeholders]', 'region = "file"', 'keep = "kept"', '[environments.default]', 'schemas = ["from_file"]', '[environments.ci.flyway]', 'table = "ci_history"'].join('\n'),
    });
    const env = { FLYWAY_TABLE: 'from_env', FLYWAY_OUT_OF_ORDER: 'TRUE', FLYWAY_PLACEHOLDERS_REGION: 'env', FLYWAY_SCHEMAS: 'ledger, public', FLYWAY_LOCATIONS: 'filesystem:db/sql,classpath:db/migration' };
    const config = loadFlywayConfig({ workingDirectory: project, home, env });
    expect(config).toMatchObject({ table: 'from_env', outOfOrder: true, defaultSchema: 'ledger', locations: [path.join(project, 'db/sql')], environment: 'default' });
    expect(Object.fromEntries(config.placeholders)).toEqual({ region: 'env', keep: 'kept' });
    expect(config.environmentVariables).toEqual(['FLYWAY_LOCATIONS', 'FLYWAY_OUT_OF_ORDER', 'FLYWAY_PLACEHOLDERS_REGION', 'FLYWAY_SCHEMAS', 'FLYWAY_TABLE']);
    // FLYWAY_DEFAULT_SCHEMA wins over the first of the schemas.
    expect(loadFlywayConfig({ workingDirectory: project, home, env: { ...env, FLYWAY_DEFAULT_SCHEMA: 'audit' } }).defaultSchema).toBe('audit');
    // flyway_environment chooses the environment, whose [environments.ci.flyway] table wins over FLYWAY_TABLE.
    expect(loadFlywayConfig({ workingDirectory: project, home, env: { ...env, flyway_environment: 'ci' } })).toMatchObject({ environment: 'ci', table: 'ci_history', defaultSchema: 'ledger' });
    // Without the variables: the file's.
    expect(loadFlywayConfig({ workingDirectory: project, home, env: {} })).toMatchObject({ table: 'from_file', outOfOrder: false, defaultSchema: 'from_file', environmentVariables: [] });
  });

  it('TOML: an environment\'s own placeholders replace the [flyway] ones as a whole, as ClassicConfiguration.getPlaceholders does', async () => {
    const project = await dirWith({ 'flyway.toml': ['[flyway.placeholders]', 'region = "root"', 'keep = "root"', '[environments.default.flyway.placeholders]', 'region = "env"'].join('\n') });
    const config = loadFlywayConfig({ workingDirectory: project, home: await emptyHome(), env: {} });
    expect(Object.fromEntries(config.placeholders)).toEqual({ region: 'env' });
  });

  it('legacy .conf: the variables win over the files, and a boolean Flyway refuses is refused naming the variable', async () => {
    const home = await emptyHome();
    const project = await dirWith({ 'flyway.conf': 'flyway.table=from_conf\nflyway.placeholders.region=conf\nflyway.schemas=a,b\n' });
    const config = loadFlywayConfig({ workingDirectory: project, home, env: { FLYWAY_TABLE: 'from_env', FLYWAY_PLACEHOLDERS_REGION: 'env', FLYWAY_SCHEMAS: 'c', flyway_defaultSchema: 'toml-only' } });
    expect(config).toMatchObject({ files: [path.join(project, 'flyway.conf')], table: 'from_env', defaultSchema: 'c' });
    expect(config.placeholders.get('region')).toBe('env');
    const bad = await rejection(Promise.resolve().then(() => loadFlywayConfig({ workingDirectory: project, home, env: { FLYWAY_OUT_OF_ORDER: 'sometimes' } })));
    expect(bad.code).toBe('CONFIG_INVALID');
    expect(bad.message).toContain('Invalid value for flyway.outOfOrder (should be either true or false): sometimes (in the environment variable FLYWAY_OUT_OF_ORDER)');
  });

  it('FLYWAY_CONFIG_FILES adds files after the default ones and chooses the mode; .toml and .conf together are refused', async () => {
    const home = await emptyHome();
    const project = await dirWith({ 'flyway.toml': '[flyway]\ntable = "default_file"\n', 'extra.toml': '[flyway]\ntable = "listed"\n', 'legacy.conf': 'flyway.table=legacy\n' });
    expect(loadFlywayConfig({ workingDirectory: project, home, env: { FLYWAY_CONFIG_FILES: 'extra.toml, missing.toml' } })).toMatchObject({
      files: [path.join(project, 'flyway.toml'), path.join(project, 'extra.toml')],
      table: 'listed',
      environmentVariables: ['FLYWAY_CONFIG_FILES'],
    });
    // A .conf listed: the legacy mode, the TOML files in the directory left alone.
    expect(loadFlywayConfig({ workingDirectory: project, home, env: { FLYWAY_CONFIG_FILES: 'legacy.conf' } })).toMatchObject({ files: [path.join(project, 'legacy.conf')], table: 'legacy' });
    const both = await rejection(Promise.resolve().then(() => loadFlywayConfig({ workingDirectory: project, home, env: { FLYWAY_CONFIG_FILES: 'extra.toml,legacy.conf' } })));
    expect(both.message).toContain('Using both TOML configuration and CONF configuration is not supported');
    const missing = await rejection(Promise.resolve().then(() => loadFlywayConfig({ workingDirectory: project, home, env: { FLYWAY_CONFIG_FILES: 'missing.conf' } })));
    expect(missing.message).toContain(`Unable to load config file: ${path.join(project, 'missing.conf')}`);
  });

  it('reads the naming of migration files from TOML (suffixes as an array), .conf and the environment; an empty one is refused', async () => {
    const home = await emptyHome();
    const toml = await dirWith({ 'flyway.toml': '[flyway]\nsqlMigrationPrefix = "M"\nundoSqlMigrationPrefix = "D"\nrepeatableSqlMigrationPrefix = "RR"\nsqlMigrationSeparator = "--"\nsqlMigrationSuffixes = [".psql", ".sql"]\nvalidateMigrationNaming = true\n' });
    expect(loadFlywayConfig({ workingDirectory: toml, home, env: {} }).naming).toEqual({ versionedPrefix: 'M', undoPrefix: 'D', repeatablePrefix: 'RR', separator: '--', suffixes: ['.psql', '.sql'], validate: true });
    // The variables win over the file (TOML mode: the flyway_ form over the FLYWAY_ name).
    expect(loadFlywayConfig({ workingDirectory: toml, home, env: { FLYWAY_SQL_MIGRATION_PREFIX: 'X', flyway_sqlMigrationPrefix: 'Y', FLYWAY_SQL_MIGRATION_SUFFIXES: '.pgsql' } }).naming).toMatchObject({ versionedPrefix: 'Y', suffixes: ['.pgsql'] });
    const conf = await dirWith({ 'flyway.conf': 'flyway.sqlMigrationPrefix=migration-\nflyway.sqlMigrationSuffixes=.sql, .ddl\n' });
    expect(loadFlywayConfig({ workingDirectory: conf, home, env: { FLYWAY_SQL_MIGRATION_SEPARATOR: '-' } }).naming).toEqual({ versionedPrefix: 'migration-', undoPrefix: 'U', repeatablePrefix: 'R', separator: '-', suffixes: ['.sql', '.ddl'], validate: false });
    expect(loadFlywayConfig({ workingDirectory: await emptyHome(), home, env: {} }).naming).toEqual(DEFAULT_NAMING);
    const empty = await rejection(Promise.resolve().then(() => loadFlywayConfig({ workingDirectory: conf, home, env: { FLYWAY_SQL_MIGRATION_SEPARATOR: '' } })));
    expect(empty.code).toBe('CONFIG_INVALID');
    expect(empty.message).toBe('flyway.sqlMigrationSeparator is empty (in the environment variable FLYWAY_SQL_MIGRATION_SEPARATOR): dbrollback cannot tell which files are migrations');
    expect(empty.hint).toContain("Flyway's default: __");
  });
});

describe('Flyway placeholders and checksums', () => {
  it('replaces project placeholders and every built-in, with the configured prefix and suffix', () => {
    const text = "SELECT '${flyway:defaultSchema}', '${flyway:user}', '${flyway:database}', '${flyway:timestamp}', '${flyway:filename}', '${flyway:workingDirectory}', '${flyway:table}', '${flyway:environment}', '${region}';";
    expect(replacePlaceholders(text, script('V1__a.sql'), ctx({ placeholders: new Map([['region', 'eu']]) }))).toBe(
      "SELECT 'ledger', 'deploy', 'shop', '2026-01-02 03:04:05', 'V1__a.sql', '/project', 'flyway_schema_history', 'default', 'eu';",
    );
    expect(replacePlaceholders('CREATE SCHEMA #[tenant];', script('V1__a.sql'), ctx({ placeholderPrefix: '#[', placeholderSuffix: ']', placeholders: new Map([['tenant', 'acme']]) }))).toBe('CREATE SCHEMA acme;');
    // placeholderReplacement=false: the text as it is.
    expect(replacePlaceholders('SELECT ${x};', script('V1__a.sql'), ctx({ placeholderReplacement: false }))).toBe('SELECT ${x};');
  });

  it('a placeholder without a value is refused, naming every one (PLACEHOLDER_MISSING)', () => {
    expect(() => replacePlaceholders('SELECT ${a}, ${b}, ${a};', script('V1__a.sql'), ctx())).toThrow('No value provided for placeholders ${a}, ${b}');
  });

  it('a versioned script\'s checksum is its file\'s own; a repeatable\'s is the replaced text\'s, with the file\'s own still a match', () => {
    const raw = "CREATE OR REPLACE VIEW v AS SELECT '${region}' AS region;\n";
    const c = ctx({ placeholders: new Map([['region', 'eu']]) });
    expect(checksumsOf(script('V1__a.sql'), raw, c)).toEqual({ checksum: flywayChecksum(raw), equivalent: null });
    expect(checksumsOf(script('R__v.sql', 'repeatable'), raw, c)).toEqual({ checksum: flywayChecksum("CREATE OR REPLACE VIEW v AS SELECT 'eu' AS region;\n"), equivalent: flywayChecksum(raw) });
    expect(checksumsOf(script('R__v.sql', 'repeatable'), raw, ctx({ placeholderReplacement: false, placeholders: new Map([['region', 'eu']]) }))).toEqual({ checksum: flywayChecksum(raw), equivalent: null });
  });
});

describe('Flyway settings that change what migrate does', () => {
  const emptyHome = () => dirWith({});

  it('reads target (a version, latest, current, next, <version>?), baselineOnMigrate/baselineVersion/baselineDescription, group, mixed, ignoreMigrationPatterns and validateOnMigrate from TOML, with Flyway\'s defaults', async () => {
    const home = await emptyHome();
    expect(loadFlywayConfig({ workingDirectory: await emptyHome(), home, env: {} })).toMatchObject({
      target: { kind: 'latest' },
      baselineOnMigrate: false,
      baselineVersion: '1',
      baselineDescription: '<< Flyway Baseline >>',
      baselineMigrationPrefix: 'B',
      group: false,
      mixed: false,
      ignoreMigrationPatterns: [{ type: '*', state: 'future' }],
      validateOnMigrate: true,
      executeInTransaction: true,
      skipExecutingMigrations: false,
    });
    const toml = await dirWith({
      'flyway.toml':
        '[flyway]\ntarget = "3"\nbaselineOnMigrate = true\nbaselineVersion = 2\nbaselineDescription = "legacy schema"\ngroup = true\nmixed = true\nignoreMigrationPatterns = ["*:missing", "Repeatable:Pending"]\nvalidateOnMigrate = false\nbaselineMigrationPrefix = "BASE"\n',
    });
    const config = loadFlywayConfig({ workingDirectory: toml, home, env: {} });
    expect(config).toMatchObject({
      target: { kind: 'version', version: '3', parts: [3n], failOnMissing: true, raw: '3', from: path.join(toml, 'flyway.toml') },
      baselineOnMigrate: true,
      baselineVersion: '2',
      baselineDescription: 'legacy schema',
      baselineMigrationPrefix: 'BASE',
      group: true,
      mixed: true,
      ignoreMigrationPatterns: [
        { type: '*', state: 'missing' },
        { type: 'repeatable', state: 'pending' },
      ],
      validateOnMigrate: false,
    });
    // An environment's [environments.<env>.flyway] target wins, as ClassicConfiguration.getTarget prefers it.
    const env = await dirWith({ 'flyway.toml': '[flyway]\ntarget = "3"\n[environments.default.flyway]\ntarget = "1_2?"\n' });
    expect(loadFlywayConfig({ workingDirectory: env, home, env: {} }).target).toMatchObject({ kind: 'version', version: '1.2', parts: [1n, 2n], failOnMissing: false });
  });

  it('reads the same settings from flyway.conf and from FLYWAY_TARGET, FLYWAY_BASELINE_ON_MIGRATE, FLYWAY_GROUP, FLYWAY_MIXED, FLYWAY_IGNORE_MIGRATION_PATTERNS, FLYWAY_VALIDATE_ON_MIGRATE..., the variables winning', async () => {
    const home = await emptyHome();
    const conf = await dirWith({ 'flyway.conf': 'flyway.target=current\nflyway.baselineOnMigrate=true\nflyway.baselineVersion=1_5\nflyway.group=true\nflyway.ignoreMigrationPatterns=*:ignored, versioned:missing\n' });
    expect(loadFlywayConfig({ workingDirectory: conf, home, env: {} })).toMatchObject({
      target: { kind: 'current' },
      baselineOnMigrate: true,
      baselineVersion: '1.5',
      group: true,
      ignoreMigrationPatterns: [
        { type: '*', state: 'ignored' },
        { type: 'versioned', state: 'missing' },
      ],
    });
    const fromEnv = loadFlywayConfig({
      workingDirectory: conf,
      home,
      env: { FLYWAY_INSTALLED_BY: 'deployer', FLYWAY_EXECUTE_IN_TRANSACTION: 'false', FLYWAY_SKIP_EXECUTING_MIGRATIONS: 'true', FLYWAY_TARGET: 'NEXT', FLYWAY_BASELINE_ON_MIGRATE: 'false', FLYWAY_BASELINE_VERSION: '7', FLYWAY_BASELINE_DESCRIPTION: 'before flyway', FLYWAY_BASELINE_MIGRATION_PREFIX: 'S', FLYWAY_GROUP: 'false', FLYWAY_MIXED: 'TRUE', FLYWAY_IGNORE_MIGRATION_PATTERNS: '', FLYWAY_VALIDATE_ON_MIGRATE: 'false' },
    });
    expect(fromEnv).toMatchObject({ target: { kind: 'next', from: 'the environment variable FLYWAY_TARGET' }, baselineOnMigrate: false, baselineVersion: '7', baselineDescription: 'before flyway', baselineMigrationPrefix: 'S', group: false, mixed: true, ignoreMigrationPatterns: [], validateOnMigrate: false, executeInTransaction: false, skipExecutingMigrations: true, installedBy: 'deployer' });
    expect(loadFlywayConfig({ workingDirectory: conf, home, env: { FLYWAY_TARGET: 'latest' } }).target).toEqual({ kind: 'latest' });
    // TOML mode reads the lower-case form too.
    expect(loadFlywayConfig({ workingDirectory: await emptyHome(), home, env: { flyway_target: '4?' } }).target).toMatchObject({ kind: 'version', version: '4', failOnMissing: false, from: 'the environment variable flyway_target' });
  });

  it('refuses a target, baselineVersion, ignoreMigrationPatterns entry or boolean Flyway refuses, naming the setting and where it was set', async () => {
    const home = await emptyHome();
    const project = await dirWith({ 'flyway.conf': 'flyway.table=x\n' });
    const load = (env: NodeJS.ProcessEnv) => rejection(Promise.resolve().then(() => loadFlywayConfig({ workingDirectory: project, home, env })));
    const target = await load({ FLYWAY_TARGET: 'v3' });
    expect(target.code).toBe('CONFIG_INVALID');
    expect(target.message).toBe('Invalid value for flyway.target: v3 (in the environment variable FLYWAY_TARGET): not a version, latest, current or next');
    expect((await load({ FLYWAY_BASELINE_VERSION: 'one' })).message).toContain('Invalid value for flyway.baselineVersion: one');
    const pattern = await load({ FLYWAY_IGNORE_MIGRATION_PATTERNS: '*:missing,*:outdated' });
    expect(pattern.message).toBe("Invalid ignoreMigrationPatterns entry '*:outdated' (in the environment variable FLYWAY_IGNORE_MIGRATION_PATTERNS): invalid migration state 'outdated' (valid: *, missing, pending, ignored, future)");
    expect((await load({ FLYWAY_IGNORE_MIGRATION_PATTERNS: 'missing' })).message).toContain('a pattern must be of the form <migration_type>:<migration_state>');
    expect((await load({ FLYWAY_IGNORE_MIGRATION_PATTERNS: 'java:missing' })).message).toContain("invalid migration type 'java'");
    expect((await load({ FLYWAY_GROUP: 'yes' })).message).toContain('Invalid value for flyway.group (should be either true or false): yes (in the environment variable FLYWAY_GROUP)');
    expect((await load({ FLYWAY_MIXED: '1' })).message).toContain('Invalid value for flyway.mixed');
    expect((await load({ FLYWAY_BASELINE_ON_MIGRATE: 'on' })).message).toContain('Invalid value for flyway.baselineOnMigrate');
    expect((await load({ FLYWAY_VALIDATE_ON_MIGRATE: '' })).message).toContain('Invalid value for flyway.validateOnMigrate');
  });
});
