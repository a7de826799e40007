import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dirWith as dirWithFiles, rejection, removeTempDirs } from '../../harness/fixtures.js';
import { detectCodeTool, type FoundTable, type HistoryLookup } from '../../../src/tools/detect.js';
import { detectMigrator, MIGRATOR_KINDS, openAdapter, TOOLS } from '../../../src/tools/registry.js';
import { resolveConfig } from '../../../src/run/config.js';

const fixtures = path.resolve(import.meta.dirname, '../../../migrations-fixtures');
const dirWith = (files: Record<string, string>) => dirWithFiles(files, 'dbrollback-detect-');

afterEach(removeTempDirs);

describe('detectMigrator', () => {
  it('picks node-pg-migrate for the node-pg-migrate fixture (.js migrations)', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'node-pg-migrate/shop'), configModule: undefined })).toBe('node-pg-migrate');
  });

  it('picks sql for the sql fixture (*.up.sql / *.down.sql)', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'sql/shop'), configModule: undefined })).toBe('sql');
  });

  it('picks umzug for the umzug fixture (its config exports umzug)', async () => {
    const configModule = (await import(pathToFileURL(path.join(fixtures, 'umzug/shop/dbrollback.config.mjs')).href)) as Record<string, unknown>;
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'umzug/shop/migrations'), configModule })).toBe('umzug');
  });

  it('picks umzug when resolveConfig loads the umzug fixture config from its directory', async () => {
    const config = await resolveConfig({ databaseUrl: 'postgres://u@127.0.0.1:1/db' }, { cwd: path.join(fixtures, 'umzug/shop'), env: {} });
    expect(await detectMigrator(config)).toBe('umzug');
  });

  it('an explicit migrator wins over detection', async () => {
    expect(await detectMigrator({ migrator: 'sql', migrationsDir: path.join(fixtures, 'node-pg-migrate/shop'), configModule: undefined })).toBe('sql');
  });

  it('picks node-pg-migrate for .sql files in its "-- Up Migration" format', async () => {
    const dir = await dirWith({ '1700000000000_init.sql': '-- Up Migration\nCREATE TABLE t (id int);\n-- Down Migration\nDROP TABLE t;\n' });
    expect(await detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined })).toBe('node-pg-migrate');
  });

  it('plain .sql files of unknown format are MIGRATOR_UNKNOWN asking for --migrator (exit 2)', async () => {
    const dir = await dirWith({ 'schema.sql': 'CREATE TABLE t (id int);\n' });
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }));
    expect(err.code).toBe('MIGRATOR_UNKNOWN');
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('--migrator');
  });

  it('no migrations directory and no umzug export is MIGRATIONS_INVALID asking for --migrations', async () => {
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: undefined, configModule: undefined }));
    expect(err.code).toBe('MIGRATIONS_INVALID');
    expect(err.hint).toContain('--migrations');
  });
});

/** A database holding these tables (columns as given), as detection's lookup sees it; counts its calls. */
function database(tables: FoundTable[]): HistoryLookup & { calls: number } {
  const lookup = Object.assign(
    async () => {
      lookup.calls += 1;
      return tables;
    },
    { calls: 0 },
  );
  return lookup;
}

const PGMIGRATIONS: FoundTable = { schema: 'public', table: 'pgmigrations', columns: ['id', 'name', 'run_on'] };
const SQL_HISTORY: FoundTable = { schema: 'public', table: 'dbrollback_migrations', columns: ['name', 'applied_at', 'checksum'] };

describe('detectMigrator: two tools, and the history table', () => {
  const mixed = () => dirWith({ '001_init.up.sql': 'CREATE TABLE t (id int);\n', '002_more.js': 'exports.up = (pgm) => {};\n' });

  it('a folder whose files match two tools is refused (MIGRATOR_AMBIGUOUS, exit 2) naming both and the --migrator values', async () => {
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: await mixed(), configModule: undefined }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/node-pg-migrate \(the directory holds JS\/TS migration files \(002_more\.js\)\)/);
    expect(err.message).toMatch(/sql \(the directory holds \*\.up\.sql/);
    expect(err.hint).toContain('--migrator node-pg-migrate or --migrator sql');
    // golang-migrate reads 001_init.up.sql too (its format is the same file name, paired by version).
    expect(err.details).toEqual({ candidates: ['node-pg-migrate', 'sql', 'golang-migrate'] });
  });

  it('the database\'s history table decides between the tools the files match', async () => {
    expect(await detectMigrator({ migrator: undefined, migrationsDir: await mixed(), configModule: undefined }, { history: database([PGMIGRATIONS]) })).toBe('node-pg-migrate');
    expect(await detectMigrator({ migrator: undefined, migrationsDir: await mixed(), configModule: undefined }, { history: database([SQL_HISTORY]) })).toBe('sql');
  });

  it('a database holding both tools\' tables, or neither, leaves the folder refused and says why', async () => {
    const both = await rejection(detectMigrator({ migrator: undefined, migrationsDir: await mixed(), configModule: undefined }, { history: database([PGMIGRATIONS, SQL_HISTORY]) }));
    expect(both.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(both.message).toContain('the database holds the history tables of more than one of them');
    const neither = await rejection(detectMigrator({ migrator: undefined, migrationsDir: await mixed(), configModule: undefined }, { history: database([]) }));
    expect(neither.message).toContain('the database holds the history table of none of them');
  });

  it('a table of the right name without the tool\'s columns is not its history', async () => {
    const lookalike: FoundTable = { schema: 'public', table: 'pgmigrations', columns: ['version'] };
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: await mixed(), configModule: undefined }, { history: database([lookalike]) }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
  });

  it('a configured migrationsTable is where node-pg-migrate\'s history is looked for', async () => {
    const custom: FoundTable = { schema: 'app', table: 'schema_history', columns: ['id', 'name', 'run_on'] };
    const settings = { migrator: undefined, migrationsDir: await mixed(), configModule: undefined, migrationsTable: 'schema_history', migrationsSchema: 'app' };
    expect(await detectMigrator(settings, { history: database([custom]) })).toBe('node-pg-migrate');
  });

  it('files of no known format: the history table alone names the tool; two tables are refused', async () => {
    const dir = await dirWith({ 'README.md': 'migrations live here\n' });
    expect(await detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }, { history: database([PGMIGRATIONS]) })).toBe('node-pg-migrate');
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }, { history: database([PGMIGRATIONS, SQL_HISTORY]) }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(err.hint).toContain('--migrator node-pg-migrate or --migrator sql');
    const none = await rejection(detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }, { history: database([]) }));
    expect(none.code).toBe('MIGRATOR_UNKNOWN');
    expect(none.message).toContain('the database holds no known history table');
  });

  it('the database is not asked when the files decide, nor when the config does', async () => {
    const lookup = database([SQL_HISTORY]);
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'node-pg-migrate/shop'), configModule: undefined }, { history: lookup })).toBe('node-pg-migrate');
    const configModule = (await import(pathToFileURL(path.join(fixtures, 'umzug/shop/dbrollback.config.mjs')).href)) as Record<string, unknown>;
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'umzug/shop/migrations'), configModule }, { history: lookup })).toBe('umzug');
    expect(lookup.calls).toBe(0);
  });

  it('an unknown --migrator value is refused naming the tools', async () => {
    const err = await rejection(detectMigrator({ migrator: 'flywayy', migrationsDir: undefined, configModule: undefined }));
    expect(err.code).toBe('MIGRATOR_UNKNOWN');
    expect(err.hint).toBe(`Pass --migrator ${MIGRATOR_KINDS.join('|')}.`);
  });
});

describe('detectMigrator: golang-migrate and dbrollback\'s plain SQL read the same file names', () => {
  const GOLANG_TABLE: FoundTable = { schema: 'public', table: 'schema_migrations', columns: ['version', 'dirty'] };
  const DBMATE_TABLE: FoundTable = { schema: 'public', table: 'schema_migrations', columns: ['version'] };
  const folder = () => dirWith({ '1_init.up.sql': 'CREATE TABLE t (id int);\n', '1_init.down.sql': 'DROP TABLE t;\n', '2_more.up.sql': 'ALTER TABLE t ADD COLUMN n int;\n' });

  it('the database decides: schema_migrations (version, dirty) is golang-migrate\'s, dbrollback_migrations the plain format\'s', async () => {
    const settings = { migrator: undefined, migrationsDir: await folder(), configModule: undefined };
    expect(await detectMigrator(settings, { history: database([GOLANG_TABLE]) })).toBe('golang-migrate');
    expect(await detectMigrator(settings, { history: database([SQL_HISTORY]) })).toBe('sql');
  });

  it('dbmate\'s schema_migrations (version, no dirty) is not golang-migrate\'s table', async () => {
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: await folder(), configModule: undefined }, { history: database([DBMATE_TABLE]) }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
  });

  it('with neither table the folder is refused naming both (exit 2)', async () => {
    const err = await rejection(detectMigrator({ migrator: undefined, migrationsDir: await folder(), configModule: undefined }, { history: database([]) }));
    expect(err.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('golang-migrate (the directory holds VERSION_name.up.sql / .down.sql files (1_init.down.sql))');
    expect(err.hint).toContain('--migrator sql or --migrator golang-migrate');
  });

  it('a down paired with an up of another name by version is golang-migrate\'s alone, without asking the database', async () => {
    const dir = await dirWith({ '7_add_index.up.sql': 'CREATE INDEX i ON t (id);\n', '7_remove_index.down.sql': 'DROP INDEX i;\n' });
    const lookup = database([SQL_HISTORY]);
    expect(await detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }, { history: lookup })).toBe('golang-migrate');
    expect(lookup.calls).toBe(0);
  });

  it('a folder of no known format: schema_migrations with a dirty column is golang-migrate\'s, without one dbmate\'s', async () => {
    const dir = await dirWith({ 'README.md': 'migrations live elsewhere\n' });
    expect(await detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }, { history: database([GOLANG_TABLE]) })).toBe('golang-migrate');
    expect(await detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined }, { history: database([DBMATE_TABLE]) })).toBe('dbmate');
  });

  it('dbmate\'s -- migrate:up files are dbmate\'s by the files alone', async () => {
    const dir = await dirWith({ '20240101000000_init.sql': '-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n' });
    expect(await detectMigrator({ migrator: undefined, migrationsDir: dir, configModule: undefined })).toBe('dbmate');
  });

  it('files carrying dbrollback\'s own markers are the plain SQL format\'s (the sql shop)', async () => {
    const lookup = database([GOLANG_TABLE]);
    expect(await detectMigrator({ migrator: undefined, migrationsDir: path.join(fixtures, 'sql/shop'), configModule: undefined }, { history: lookup })).toBe('sql');
    expect(lookup.calls).toBe(0);
  });
});

describe('detectCodeTool (classify without --migrator)', () => {
  it('code files are node-pg-migrate\'s unless the config exports umzug', async () => {
    expect((await detectCodeTool(TOOLS, ['/x/001_a.js'], undefined)).kind).toBe('node-pg-migrate');
    expect((await detectCodeTool(TOOLS, ['/x/001_a.mjs'], { umzug: () => undefined })).kind).toBe('umzug');
  });
});

describe('openAdapter', () => {
  it('opens the adapter of the detected kind without connecting, exposing the tool lock', async () => {
    const config = await resolveConfig(
      { databaseUrl: 'postgres://u@127.0.0.1:1/db', migrations: path.join(fixtures, 'node-pg-migrate/shop') },
      { cwd: fixtures, env: {} },
    );
    const adapter = await openAdapter(config);
    expect(adapter.kind).toBe('node-pg-migrate');
    expect(adapter.toolLocks.map((l) => ('key' in l ? l.key : null))).toEqual([7241865325823964n]);
    await adapter.close();
  });

  it('refuses --migrator sql without a migrations directory', async () => {
    const config = await resolveConfig({ databaseUrl: 'postgres://u@127.0.0.1:1/db', migrator: 'sql' }, { cwd: os.tmpdir(), env: {} });
    const err = await rejection(openAdapter(config));
    expect(err.code).toBe('MIGRATIONS_INVALID');
  });
});

describe('otherDefaultDirs: a Flyway project run from its root', () => {
  it('names the location flyway.toml names, else Spring Boot\'s src/main/resources/db/migration, as the --migrations to pass', async () => {
    const { otherDefaultDirs } = await import('../../../src/tools/detect.js');
    const configured = await dirWithFiles({ 'flyway.toml': '[flyway]\nlocations = ["filesystem:sql/clinic"]\n', 'sql/clinic/V1__init.sql': 'SELECT 1;\n' });
    expect(otherDefaultDirs(configured)).toBe('; the Flyway configuration (flyway.toml) names the location sql/clinic: pass --migrations sql/clinic --migrator flyway');
    const spring = await dirWithFiles({ 'src/main/resources/db/migration/V1__init.sql': 'SELECT 1;\n' });
    expect(otherDefaultDirs(spring)).toBe("; ./src/main/resources/db/migration exists (Flyway's default location classpath:db/migration in a Maven or Gradle project): pass --migrations src/main/resources/db/migration --migrator flyway");
  });
});

describe('otherDefaultDirs: a Drizzle project run from its root', () => {
  it("names the out folder drizzle.config.* names (drizzle-kit's default ./drizzle), where its meta/_journal.json is", async () => {
    const { otherDefaultDirs } = await import('../../../src/tools/detect.js');
    const journal = '{"version":"7","dialect":"postgresql","entries":[]}';
    const named = await dirWithFiles({ 'drizzle.config.ts': 'export default defineConfig({ dialect: "postgresql", out: "./db/migrations", schema: "./src/schema.ts" });\n', 'db/migrations/meta/_journal.json': journal });
    expect(otherDefaultDirs(named)).toBe("; ./drizzle.config.ts is a Drizzle project's: drizzle-kit's migrations are in db/migrations (its meta/_journal.json is there): pass --migrations db/migrations");
    const plain = await dirWithFiles({ 'drizzle.config.json': '{"dialect":"postgresql"}', 'drizzle/meta/_journal.json': journal });
    expect(otherDefaultDirs(plain)).toBe("; ./drizzle.config.json is a Drizzle project's: drizzle-kit's migrations are in drizzle (its meta/_journal.json is there): pass --migrations drizzle");
    // No journal where the config points: nothing named.
    expect(otherDefaultDirs(await dirWithFiles({ 'drizzle.config.ts': 'export default { out: "./nowhere" };\n' }))).toBe('');
  });
});

describe('otherDefaultDirs: a Prisma project run from its root', () => {
  it("names ./prisma/migrations (Prisma's default, beside prisma/schema.prisma), or the folder beside the schema package.json names, as the --migrations to pass", async () => {
    const { otherDefaultDirs } = await import('../../../src/tools/detect.js');
    const lock = 'provider = "postgresql"\n';
    const standard = await dirWithFiles({ 'prisma/schema.prisma': 'datasource db {}\n', 'prisma/migrations/migration_lock.toml': lock, 'prisma/migrations/20250110093000_init/migration.sql': 'SELECT 1;\n' });
    expect(otherDefaultDirs(standard)).toBe("; ./prisma/migrations exists and holds Prisma's migration_lock.toml (Prisma's default, beside prisma/schema.prisma): pass --migrations prisma/migrations");
    const named = await dirWithFiles({ 'package.json': JSON.stringify({ prisma: { schema: 'db/schema.prisma' } }), 'db/schema.prisma': 'datasource db {}\n', 'db/migrations/migration_lock.toml': lock });
    expect(otherDefaultDirs(named)).toBe("; ./db/migrations exists and holds Prisma's migration_lock.toml (beside the schema package.json names, db/schema.prisma): pass --migrations db/migrations");
    // A prisma folder without a migration history names nothing.
    expect(otherDefaultDirs(await dirWithFiles({ 'prisma/schema.prisma': 'datasource db {}\n' }))).toBe('');
  });
});

describe('otherDefaultDirs: a node-pg-migrate project run from its root', () => {
  it('names the migrations-dir its package.json script gives node-pg-migrate (flag or -f config file), not dbmate\'s default, and the table to configure', async () => {
    const { otherDefaultDirs } = await import('../../../src/tools/detect.js');
    const migration = 'exports.up = (pgm) => {};\n';
    const configured = await dirWithFiles({
      'package.json': JSON.stringify({ scripts: { test: 'vitest', migrate: 'node-pg-migrate -f pgm.config.json' } }),
      'pgm.config.json': JSON.stringify({ 'migrations-dir': 'db/migrations', 'check-order': true }),
      'db/migrations/1712041200000_init.js': migration,
    });
    expect(otherDefaultDirs(configured)).toBe('; package.json\'s "migrate" script runs node-pg-migrate with pgm.config.json on db/migrations: pass --migrations db/migrations');
    // On the command line, a custom history table: the dbrollback setting that names it.
    const flags = await dirWithFiles({
      'package.json': JSON.stringify({ scripts: { 'db:migrate': 'node-pg-migrate --migrations-dir=src/migrations -t _pgmigrations up' } }),
      'src/migrations/1712041200000_init.js': migration,
    });
    expect(otherDefaultDirs(flags)).toBe('; package.json\'s "db:migrate" script runs node-pg-migrate on src/migrations: pass --migrations src/migrations and set "migrationsTable": "_pgmigrations" in dbrollback.config.json (its migrations-table)');
    // The config file's db section (node-pg-migrate's --config-value default), the flag winning over the file.
    const section = await dirWithFiles({
      'package.json': JSON.stringify({ scripts: { migrate: 'dotenv -- node-pg-migrate --config-file config/pgm.json -m db/migrations' } }),
      'config/pgm.json': JSON.stringify({ db: { 'migrations-dir': 'elsewhere', 'migrations-schema': 'meta' } }),
      'db/migrations/1712041200000_init.js': migration,
    });
    expect(otherDefaultDirs(section)).toBe('; package.json\'s "migrate" script runs node-pg-migrate with config/pgm.json on db/migrations: pass --migrations db/migrations and set "migrationsSchema": "meta" in dbrollback.config.json (its migrations-schema)');
  });
});
