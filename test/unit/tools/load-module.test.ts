import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModule, localImports, moduleFormat, sourceHash } from '../../../src/tools/load-module.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterAll(removeTempDirs);

const CJS_ARROWS = `'use strict';
module.exports = {
  up: async ({ context }) => { await context.query('CREATE TABLE t (id int)'); },
  down: async ({ context }) => { await context.query('DROP TABLE t'); },
};
`;

describe('loadModule: code migrations loaded the way their tool loads them', () => {
  it('a CommonJS migration is required: every export is seen (import() would hide `down`)', async () => {
    const dir = await dirWith({ 'package.json': '{"type":"commonjs"}', '001_t.js': CJS_ARROWS });
    const loaded = await loadModule(path.join(dir, '001_t.js'));
    expect(loaded.format).toBe('commonjs');
    expect(typeof loaded.exports.up).toBe('function');
    expect(typeof loaded.exports.down).toBe('function');
  });

  it('.mjs and .js under "type": "module" are imported; .ts goes through jiti', async () => {
    const dir = await dirWith({ 'package.json': '{"type":"module"}', 'a.js': 'export const up = () => 1;\nexport const down = false;\n', 'b.mjs': 'export async function up() {}\n', 'c.ts': 'export const up = (n: number): number => n + 1;\n' });
    expect(moduleFormat(path.join(dir, 'a.js'))).toBe('esm');
    expect((await loadModule(path.join(dir, 'a.js'))).exports.down).toBe(false);
    expect(typeof (await loadModule(path.join(dir, 'b.mjs'))).exports.up).toBe('function');
    const ts = await loadModule(path.join(dir, 'c.ts'));
    expect(ts.format).toBe('typescript');
    expect((ts.exports.up as (n: number) => number)(1)).toBe(2);
  });

  it('localImports follows relative requires and imports, not packages; sourceHash changes with an imported file', async () => {
    const dir = await dirWith({ 'package.json': '{"type":"commonjs"}', 'm.js': "const h = require('./lib/helpers');\nconst pg = require('pg');\nmodule.exports = { up: h.up };\n" });
    await mkdir(path.join(dir, 'lib'));
    await writeFile(path.join(dir, 'lib', 'helpers.js'), "module.exports = require('./sql.js');\n");
    await writeFile(path.join(dir, 'lib', 'sql.js'), "module.exports = { up: () => 'CREATE TABLE a (id int)' };\n");
    expect(await localImports(path.join(dir, 'm.js'))).toEqual([path.join(dir, 'lib', 'helpers.js'), path.join(dir, 'lib', 'sql.js')]);
    const before = await sourceHash(path.join(dir, 'm.js'));
    expect(await sourceHash(path.join(dir, 'm.js'))).toBe(before);
    await writeFile(path.join(dir, 'lib', 'sql.js'), "module.exports = { up: () => 'CREATE TABLE b (id int)' };\n");
    expect(await sourceHash(path.join(dir, 'm.js'))).not.toBe(before);
  });
});
