/**
 * Flyway's configuration files and placeholder replacement, pure logic:
 * which files win (flyway.toml over flyway.conf; the working directory over
 * the user home), the keys read from each form, and the placeholders and
 * checksums as Flyway 10–12 compute them (repeatables over the replaced
 * text, versioned over the file's own).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dirWith, rejection, removeTempDirs } from '../../harness/fixtures.js';
import { flywayChecksum } from '../../../src/tools/flyway/checksum.js';
import { parseConf, parseToml, tomlToFlat } from '../../../src/tools/flyway/config-files.js';
import { loadFlywayConfig, type FlywayConfig } from '../../../src/tools/flyway/config.js';
import type { FlywayScript } from '../../../src/tools/flyway/files.js';
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
