/**
 * Reading Knex and TypeORM projects without a database: where their config
 * files are found, which config is used, and the clear refusals of what
 * dbrollback cannot drive.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findKnexfile, listKnexMigrations, loadKnexProject } from '../../../src/tools/knex/project.js';
import { typeormTags } from '../../../src/tools/typeorm/run.js';
import { knexDownKind, knexTags } from '../../../src/tools/knex/run.js';
import { findDataSourceFile, loadTypeormProject, scriptedDataSources } from '../../../src/tools/typeorm/project.js';
import { rejection } from '../../harness/fixtures.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../migrations-fixtures');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-orm-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('knex projects', () => {
  it('finds the knexfile in the working directory first, else up from the migrations directory (stopping at the package root)', async () => {
    const project = path.join(dir, 'app');
    await mkdir(path.join(project, 'db', 'migrations'), { recursive: true });
    await writeFile(path.join(project, 'package.json'), '{}');
    expect(findKnexfile(path.join(project, 'db', 'migrations'), dir)).toBeUndefined();
    await writeFile(path.join(project, 'knexfile.js'), 'module.exports = {}');
    expect(findKnexfile(path.join(project, 'db', 'migrations'), dir)).toBe(path.join(project, 'knexfile.js'));
    await writeFile(path.join(dir, 'knexfile.ts'), 'export default {}');
    expect(findKnexfile(path.join(project, 'db', 'migrations'), dir)).toBe(path.join(dir, 'knexfile.ts'));
  });

  it('uses the NODE_ENV environment of a per-environment knexfile, and says which is missing', async () => {
    const knexfile = path.join(FIXTURES, 'knex', 'shop', 'knexfile.ts');
    const before = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      const project = await loadKnexProject(knexfile);
      expect(project.config.pool).toEqual({ min: 2, max: 10 });
      expect(project.migrations.directories).toEqual([path.join(FIXTURES, 'knex', 'shop', 'migrations')]);
      expect(project.migrations.tableName).toBe('knex_migrations');
      process.env.NODE_ENV = 'staging';
      const error = await rejection(loadKnexProject(knexfile));
      expect(error.message).toContain('no config for the environment "staging"');
      expect(error.message).toContain('development, test, production');
      // Was: "Point dbrollback at a knexfile whose config uses client pg …", which says nothing of the environment.
      expect(error.hint).toBe('Run with NODE_ENV set to the environment whose database this is (NODE_ENV=development, NODE_ENV=test, NODE_ENV=production), as the knex CLI reads it (or its --env).');
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('lists migrations as Knex does: its extensions, its order, the file name as the name', async () => {
    const project = await loadKnexProject(path.join(FIXTURES, 'knex', 'patterns', 'knexfile.js'));
    expect(project.migrations.tableName).toBe('knex_history');
    const listed = await listKnexMigrations(project);
    expect(listed.map((m) => m.name)).toEqual(['20240301090000_create_accounts.js', '20240301090100_account_status_enum.js', '20240301090200_seed_admin.js', '20240301090300_account_emails_view.cjs']);
  });

  it('refuses a knexfile for another database or with a custom migration source, saying why', async () => {
    await writeFile(path.join(dir, 'package.json'), '{"type":"commonjs"}');
    await writeFile(path.join(dir, 'knexfile.js'), "module.exports = { client: 'sqlite3', connection: { filename: './dev.sqlite3' } };");
    expect((await rejection(loadKnexProject(path.join(dir, 'knexfile.js')))).message).toContain('client is "sqlite3", not pg');
    await writeFile(path.join(dir, 'knexfile.cjs'), "module.exports = { client: 'pg', migrations: { migrationSource: {} } };");
    expect((await rejection(loadKnexProject(path.join(dir, 'knexfile.cjs')))).message).toContain('custom migrationSource');
  });

  it('reads a down the way undo must: missing, a throw, nothing, or a real one', () => {
    const up = () => Promise.resolve();
    expect(knexDownKind({ up }).down).toBe('missing');
    expect(knexDownKind({ up, down: () => { throw new Error('no way back'); } })).toEqual({ down: 'irreversible', downNote: 'its down throws ("no way back")' });
    expect(knexDownKind({ up, down: function () {} }).down).toBe('empty');
    // Handing back the connection it was given sends nothing (a placeholder down seen in real projects).
    expect(knexDownKind({ up, down: function (knex: unknown) { return knex; } }).down).toBe('empty');
    expect(knexDownKind({ up, down: (knex: unknown) => knex }).down).toBe('empty');
    expect(knexDownKind({ up, down: (knex: unknown, other: unknown) => other }).down).toBe('yes');
    expect(knexDownKind({ up, down: (knex: { schema: { dropTable(t: string): unknown } }) => knex.schema.dropTable('x') }).down).toBe('yes');
  });
});

describe('knexTags: the other names a Knex user types for a migration', () => {
  it('the file name without its extension and its timestamp, each only where it names one migration', () => {
    const tags = knexTags(['20240105093000_create_members.js', '20240112110000_create_bookings.ts', '20240112110000_seed_bookings.js', 'init.js']);
    expect(tags.get('20240105093000_create_members.js')).toEqual(['20240105093000_create_members', '20240105093000']);
    expect(tags.get('20240112110000_create_bookings.ts')).toEqual(['20240112110000_create_bookings']);
    expect(tags.get('20240112110000_seed_bookings.js')).toEqual(['20240112110000_seed_bookings']);
    expect(tags.get('init.js')).toEqual(['init']);
  });
});

describe('TypeORM projects', () => {
  it('finds the DataSource file in the usual places, and only a file that is one', async () => {
    await mkdir(path.join(dir, 'src', 'migrations'), { recursive: true });
    await writeFile(path.join(dir, 'src', 'data-source.ts'), 'export const config = {};');
    expect(findDataSourceFile(path.join(dir, 'src', 'migrations'), os.tmpdir())).toBeUndefined();
    await writeFile(path.join(dir, 'src', 'data-source.ts'), "import { DataSource } from 'typeorm';\nexport const AppDataSource = new DataSource({ type: 'postgres' });");
    expect(findDataSourceFile(path.join(dir, 'src', 'migrations'), os.tmpdir())).toBe(path.join(dir, 'src', 'data-source.ts'));
    expect(findDataSourceFile(undefined, dir)).toBe(path.join(dir, 'src', 'data-source.ts'));
  });

  it('finds the DataSource file the package.json scripts give the typeorm CLI (-d / --dataSource), from the project root or its migrations folder', async () => {
    await mkdir(path.join(dir, 'src', 'config'), { recursive: true });
    await mkdir(path.join(dir, 'src', 'database', 'migrations'), { recursive: true });
    const config = path.join(dir, 'src', 'config', 'typeorm.config.ts');
    await writeFile(config, "import { DataSource } from 'typeorm';\nexport default new DataSource({ type: 'postgres' });");
    // Was: not found (only data-source.ts and the like are looked for), so no command could run.
    expect(findDataSourceFile(undefined, dir)).toBeUndefined();
    const scripts = { build: 'nest build', typeorm: 'typeorm-ts-node-commonjs -d src/config/typeorm.config.ts', 'migration:run': 'npm run typeorm -- migration:run' };
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ scripts }));
    expect(findDataSourceFile(undefined, dir)).toBe(config);
    expect(findDataSourceFile(path.join(dir, 'src', 'database', 'migrations'), os.tmpdir())).toBe(config);
    // The compiled one a production script names, when it is not built, is passed over; --dataSource= is read too.
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ scripts: { 'migration:prod': 'typeorm migration:run --dataSource=dist/config/typeorm.config.js', ...scripts } }));
    expect(scriptedDataSources(dir)).toEqual([path.join(dir, 'dist', 'config', 'typeorm.config.js'), config]);
    expect(findDataSourceFile(undefined, dir)).toBe(config);
  });

  it('typeormTags: the file name without its extension and the timestamp, each only where it names one migration', () => {
    const tags = typeormTags([
      { name: 'CreateUsers1704067200000', timestamp: 1704067200000, path: '/p/src/migrations/1704067200000-CreateUsers.ts' },
      { name: 'AddPhone1704067300000', timestamp: 1704067300000, path: '/p/src/migrations/1704067300000-AddPhone.ts' },
      { name: 'SeedPhones1704067300000', timestamp: 1704067300000, path: '/p/src/migrations/1704067300000-SeedPhones.ts' },
      { name: 'Inline1704067400000', timestamp: 1704067400000, path: null },
    ]);
    expect(tags.get('CreateUsers1704067200000')).toEqual(['1704067200000-CreateUsers', '1704067200000']);
    expect(tags.get('AddPhone1704067300000')).toEqual(['1704067300000-AddPhone']);
    expect(tags.get('Inline1704067400000')).toEqual(['1704067400000']);
  });

  it('loads the migrations as TypeORM names and orders them: the instance name, else the class name, by timestamp', async () => {
    const project = await loadTypeormProject(path.join(FIXTURES, 'typeorm', 'shop', 'src', 'data-source.ts'));
    expect(project.migrations.map((m) => [m.name, m.timestamp])).toEqual(
      ['CreateTables', 'AddCustomerPhone', 'IndexOrdersCustomer', 'RenameOrderNote', 'DropCustomerLegacyCode', 'BackfillProductSku', 'CollapseOrderStatuses'].map((n, i) => [`${n}170406720000${i + 1}`, 1704067200001 + i]),
    );
    expect(project.table).toEqual({ schema: null, table: 'migrations' });
  });

  it('refuses a class name without a timestamp, as TypeORM does', async () => {
    await mkdir(path.join(dir, 'migrations'));
    await writeFile(path.join(dir, 'migrations', 'Broken.ts'), 'export class AddThings { async up() {} async down() {} }');
    await writeFile(
      path.join(dir, 'data-source.ts'),
      `import { DataSource } from 'typeorm';\nexport default new DataSource({ type: 'postgres', migrations: [${JSON.stringify(path.join(dir, 'migrations', '*.ts'))}] });`,
    );
    // typeorm is resolved from the data source's folder: give the temporary project this repository's.
    await writeFile(path.join(dir, 'package.json'), '{}');
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(path.resolve(import.meta.dirname, '../../../node_modules/typeorm'), path.join(dir, 'node_modules', 'typeorm'));
    const error = await rejection(loadTypeormProject(path.join(dir, 'data-source.ts')));
    expect(error.message).toContain('AddThings');
    expect(error.message).toContain('must end with a JavaScript timestamp');
  });
});
