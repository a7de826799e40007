/**
 * A CommonJS umzug project as dbrollback drives it: umzug's own default
 * resolver over `.js` files (required by the project's script, imported
 * under dbrollback's ES-module entry unless dbrollback steps in), the SQL
 * pairs umzug's README resolves (`NAME.up.sql` + `NAME.down.sql`), and a
 * storage of the project's own that gives only names. No database: the
 * migrations push to an array context, the storage is umzug's memory one.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Umzug, memoryStorage } from 'umzug';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { createUmzugAdapter } from '../../../src/tools/umzug/run.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterAll(removeTempDirs);

const conn: ConnInfo = { host: '127.0.0.1', port: 1, user: 'nobody', password: undefined, database: 'none', sslmode: undefined, applicationName: 'dbrollback' };

// Shapes Node's lexer does not find when the file is import()ed: a method `up`, and a `down:` after an arrow `up:`.
const METHODS = `'use strict';
module.exports = {
  async up({ context }) { context.push('up 001'); },
  async down({ context }) { context.push('down 001'); },
};
`;
const ARROWS = `'use strict';
module.exports = {
  up: async ({ context }) => { context.push('up 002'); },
  down: async ({ context }) => { context.push('down 002'); },
};
`;

async function project(files: Record<string, string>, resolve?: (params: { name: string; path?: string; context: string[] }) => unknown) {
  const dir = await dirWith({ 'package.json': '{"name":"p","private":true}', ...files });
  const log: string[] = [];
  const instance = new Umzug({
    migrations: { glob: ['*.{js,up.sql}', { cwd: dir }], ...(resolve ? { resolve: resolve as never } : {}) },
    context: log,
    storage: memoryStorage(),
    logger: undefined,
  });
  const adapter = createUmzugAdapter({ conn, migrationsDir: '', configModule: { umzug: instance }, migrationsTable: 'migration_log' });
  return { dir, log, adapter };
}

describe('umzug: a CommonJS project driven from dbrollback', () => {
  it("umzug's default resolver: CommonJS .js migrations are required as the project's script requires them — a method up runs, an arrow down runs (not skipped while its record is dropped)", async () => {
    const { log, adapter } = await project({ '001_methods.js': METHODS, '002_arrows.js': ARROWS });
    expect(await adapter.up()).toEqual(['001_methods.js', '002_arrows.js']);
    expect(log).toEqual(['up 001', 'up 002']);
    const result = await adapter.down({ count: 2 });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['002_arrows.js', 'success'],
      ['001_methods.js', 'success'],
    ]);
    expect(log).toEqual(['up 001', 'up 002', 'down 002', 'down 001']);
  });

  it("umzug's README SQL resolver: an .up.sql without its .down.sql has no down (status says which file is missing); with it, a down", async () => {
    const sqlResolve = ({ name, path: file, context }: { name: string; path?: string; context: string[] }) => ({
      name: name.replace(/\.up\.sql$/, ''),
      path: file,
      up: async () => context.push(await readFile(file!, 'utf8')),
      down: async () => context.push(await readFile(file!.replace(/\.up\.sql$/, '.down.sql'), 'utf8')),
    });
    const { adapter } = await project({ '001_a.up.sql': 'CREATE TABLE a (id int);', '001_a.down.sql': 'DROP TABLE a;', '002_b.up.sql': 'ALTER TABLE a DROP COLUMN id;' }, sqlResolve);
    const status = await adapter.status();
    expect(status.pending.map((m) => [m.name, m.down, m.downNote])).toEqual([
      ['001_a', 'yes', undefined],
      ['002_b', 'missing', 'no 002_b.down.sql beside 002_b.up.sql'],
    ]);
    expect(path.basename(status.pending[1]!.path!)).toBe('002_b.up.sql');
  });

  it("a storage of the project's own that gives only names: status says the storage gives no times and how to give them, not that its table keeps none", async () => {
    const { adapter } = await project({ '001_methods.js': METHODS });
    const note = (await adapter.status()).appliedAtNote;
    expect(note).toContain('the umzug storage (table migration_log) gives no applied-at times');
    expect(note).toContain('executedWithTimes({ context })');
    expect(note).not.toContain('keeps no applied-at times');
  });
});
