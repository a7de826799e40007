/**
 * classify's dispatch to the migration tools' readers: each .sql file read as
 * its tool reads it (the configured tool first, then the registry's order),
 * the configured tool's file order, and code refused for a tool whose
 * migrations are not code. Static files only: no database.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { dirWith, rejection, removeTempDirs } from '../../harness/fixtures.js';

afterEach(removeTempDirs);

const NPM_STYLE = '-- Up Migration\nALTER TABLE t ADD COLUMN c int;\n-- Down Migration\nALTER TABLE t DROP COLUMN c;\n';

describe('classifyFiles dispatch through the tools registry', () => {
  it('a .sql file in node-pg-migrate\'s format is split into its up and down; a lone .sql is plain SQL without a down', async () => {
    const dir = await dirWith({ '1700000000000_add-c.sql': NPM_STYLE, 'adhoc.sql': 'ALTER TABLE t ADD COLUMN d int;\n' });
    const { files } = await classifyFiles([dir]);
    expect(files.map((f) => [f.kind, f.down?.kind ?? null, f.statements.map((s) => s.line)])).toEqual([
      ['node-pg-migrate', 'yes', [2]],
      ['sql', null, [1]],
    ]);
  });

  it('a .up.sql is read with its .down.sql (never classified alone); the down marked irreversible counts as such', async () => {
    const dir = await dirWith({
      '001_a.up.sql': 'ALTER TABLE t ADD COLUMN c int;\n',
      '001_a.down.sql': 'ALTER TABLE t DROP COLUMN c;\n',
      '002_b.up.sql': "UPDATE t SET c = 1;\n",
      '002_b.down.sql': '-- dbrollback:irreversible\n',
    });
    const { files } = await classifyFiles([dir]);
    expect(files.map((f) => [f.path.replace(/.*\//, ''), f.kind, f.down?.kind, f.down?.path?.replace(/.*\//, '') ?? null])).toEqual([
      ['001_a.up.sql', 'sql', 'yes', '001_a.down.sql'],
      ['002_b.up.sql', 'sql', 'irreversible', '002_b.down.sql'],
    ]);
  });

  it('the configured tool reads first: with --migrator sql a .up.sql holding "-- Up Migration" is read as the sql tool runs it, whole, with its .down.sql; without one the folder, which the tools read differently, is refused naming them', async () => {
    const dir = await dirWith({ '001_a.up.sql': NPM_STYLE, '001_a.down.sql': 'ALTER TABLE t DROP COLUMN c;\n' });
    // The single file is read by the first tool that reads it as its own, as before.
    const unconfigured = (await classifyFiles([path.join(dir, '001_a.up.sql')])).files[0]!;
    expect([unconfigured.kind, unconfigured.statements.length]).toEqual(['node-pg-migrate', 1]);
    // The folder is node-pg-migrate's (its markers) and sql's (*.up.sql beside *.down.sql), and their downs differ: as status refuses it.
    const refused = await rejection(classifyFiles([dir]));
    expect(refused.code).toBe('MIGRATOR_AMBIGUOUS');
    expect(refused.message).toContain('read 001_a.up.sql differently (node-pg-migrate: down 001_a.up.sql; sql: down 001_a.down.sql');
    const asSql = (await classifyFiles([dir], { migrator: 'sql' })).files[0]!;
    expect([asSql.kind, asSql.statements.length, asSql.down?.path?.replace(/.*\//, '')]).toEqual(['sql', 2, '001_a.down.sql']);
  });

  it('a folder is listed in the order its tool applies it (9 before 10), with --migrator sql or without one', async () => {
    const dir = await dirWith({ '10_b.up.sql': 'SELECT 1;\n', '9_a.up.sql': 'SELECT 1;\n', '100_c.up.sql': 'SELECT 1;\n' });
    const names = async (options = {}) => (await classifyFiles([dir], options)).files.map((f) => f.path.replace(/.*\//, ''));
    // Every tool that reads numbered files applies them by number: no tool applies 10 before 9.
    expect(await names()).toEqual(['9_a.up.sql', '10_b.up.sql', '100_c.up.sql']);
    expect(await names({ migrator: 'sql' })).toEqual(['9_a.up.sql', '10_b.up.sql', '100_c.up.sql']);
  });

  it('code migrations with a migrator whose migrations are not code are refused (exit 2), naming the code tools', async () => {
    const dir = await dirWith({ '001_a.js': 'export const up = () => {};\n' });
    const err = await rejection(classifyFiles([dir], { migrator: 'sql' }));
    expect(err.code).toBe('NOT_A_MIGRATION');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('the migrator is sql');
    expect(err.hint).toBe('Pass --migrator node-pg-migrate, umzug, knex or typeorm for code migrations.');
  });
});
