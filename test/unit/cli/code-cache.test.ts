import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codeCacheDir, codeCacheName, loadProgram, readCodeCache, writeCodeCache } from '../../../src/cli/code-cache.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-code-cache-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
const asRoot = process.getuid?.() === 0;

describe('code cache location', () => {
  it('is off for DBROLLBACK_CODE_CACHE=off (and 0, false, no, none), and for DBROLLBACK_CACHE_DIR=off (every cache)', () => {
    for (const v of ['off', 'OFF', '0', 'false', 'no', 'none']) expect(codeCacheDir({ DBROLLBACK_CODE_CACHE: v, HOME: '/home/u' })).toBeNull();
    expect(codeCacheDir({ DBROLLBACK_CACHE_DIR: 'off' })).toBeNull();
  });
  it('is code-cache in DBROLLBACK_CACHE_DIR, else in XDG_CACHE_HOME/dbrollback, else in ~/.cache/dbrollback', () => {
    expect(codeCacheDir({ DBROLLBACK_CACHE_DIR: '/srv/cache' })).toBe('/srv/cache/code-cache');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/dbrollback/code-cache');
    // A relative XDG_CACHE_HOME is invalid by the XDG spec and ignored.
    expect(codeCacheDir({ XDG_CACHE_HOME: 'rel' })).toBe(path.join(os.homedir(), '.cache', 'dbrollback', 'code-cache'));
  });
  it('names a file per command and build, so an upgrade or another command never reads it', () => {
    const info = { size: 10, mtimeMs: 1 };
    const a = codeCacheName({ path: '/p.js', hash: 'aaaa' }, ['backup', '--label', 'x'], info, {});
    expect(a).toMatch(/^aaaa-backup-[0-9a-f]{12}\.bin$/);
    expect(codeCacheName({ path: '/p.js', hash: 'aaaa' }, ['--help'], info, {})).toMatch(/^aaaa-other-/);
    expect(codeCacheName({ path: '/p.js', hash: 'bbbb' }, ['backup'], info, {})).not.toBe(a);
    // The program file edited in place, or other Node flags: another file.
    expect(codeCacheName({ path: '/p.js', hash: 'aaaa' }, ['backup'], { size: 10, mtimeMs: 2 }, {})).not.toBe(a);
    expect(codeCacheName({ path: '/p.js', hash: 'aaaa' }, ['backup'], info, { NODE_OPTIONS: '--max-old-space-size=100' })).not.toBe(a);
  });
});

describe('code cache files', () => {
  it('round-trip with the run outcome, created 0600 in a 0700 directory it creates', async () => {
    const root = await tempDir();
    const file = path.join(root, 'a', 'b', 'h-backup-x.bin');
    expect(writeCodeCache(file, Buffer.from('bytecode'), true)).toBe(true);
    expect(readCodeCache(file)).toEqual({ data: Buffer.from('bytecode'), complete: true });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(writeCodeCache(file, Buffer.from('other'), false)).toBe(true);
    expect(readCodeCache(file)).toEqual({ data: Buffer.from('other'), complete: false });
    expect((await readdir(path.dirname(file))).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('ignores a corrupt, truncated or foreign file', async () => {
    const root = await tempDir();
    const file = path.join(root, 'h-backup-x.bin');
    writeCodeCache(file, Buffer.alloc(4096, 7), true);
    const good = await readFile(file);
    const flipped = Buffer.from(good);
    flipped[good.length - 100]! ^= 1;
    await writeFile(file, flipped);
    expect(readCodeCache(file)).toBeNull();
    await writeFile(file, good.subarray(0, good.length - 1));
    expect(readCodeCache(file)).toBeNull();
    await writeFile(file, Buffer.from('not a cache at all'));
    expect(readCodeCache(file)).toBeNull();
    expect(readCodeCache(path.join(root, 'absent.bin'))).toBeNull();
  });

  it('is not read from a file or directory others can write', async () => {
    const root = await tempDir();
    const file = path.join(root, 'h-backup-x.bin');
    writeCodeCache(file, Buffer.from('bytecode'), true);
    await chmod(file, 0o622);
    expect(readCodeCache(file)).toBeNull();
    await chmod(file, 0o600);
    await chmod(root, 0o777);
    expect(readCodeCache(file)).toBeNull();
    expect(writeCodeCache(file, Buffer.from('x'), true)).toBe(false);
  });

  it.runIf(asRoot)('is neither read from nor created in directories of another user (root with a user HOME)', async () => {
    const root = await tempDir();
    const theirs = path.join(root, 'home');
    await mkdir(theirs, { mode: 0o755 });
    await chown(theirs, 65534, 65534);
    expect(writeCodeCache(path.join(theirs, '.cache', 'dbrollback', 'h-backup-x.bin'), Buffer.from('x'), true)).toBe(false);
    expect(await readdir(theirs)).toEqual([]);
    const dir = path.join(root, 'cache');
    writeCodeCache(path.join(dir, 'h-backup-x.bin'), Buffer.from('x'), true);
    await chown(path.join(dir, 'h-backup-x.bin'), 65534, 65534);
    expect(readCodeCache(path.join(dir, 'h-backup-x.bin'))).toBeNull();
  });

  it('is not written where the directory cannot be created, and says so by returning false', async () => {
    const root = await tempDir();
    await writeFile(path.join(root, 'plain-file'), '');
    expect(writeCodeCache(path.join(root, 'plain-file', 'dir', 'h-x.bin'), Buffer.from('x'), true)).toBe(false);
  });

  it('removes other builds’ files untouched for a week, and keeps this build’s and recent ones', async () => {
    const root = await tempDir();
    for (const name of ['old-backup-1.bin', 'recent-backup-1.bin', 'this-classify-1.bin']) await writeFile(path.join(root, name), 'x', { mode: 0o600 });
    const weekAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    await utimes(path.join(root, 'old-backup-1.bin'), weekAgo, weekAgo);
    await utimes(path.join(root, 'this-classify-1.bin'), weekAgo, weekAgo);
    await chmod(root, 0o700);
    expect(writeCodeCache(path.join(root, 'this-backup-1.bin'), Buffer.from('x'), true)).toBe(true);
    expect((await readdir(root)).sort()).toEqual(['recent-backup-1.bin', 'this-backup-1.bin', 'this-classify-1.bin']);
  });
});

describe('loading a program script', () => {
  async function programFile(body: string): Promise<{ path: string; hash: string }> {
    const dir = await tempDir();
    const file = path.join(dir, 'program.js');
    await writeFile(file, `(function (exports, require, module, __filename, __dirname, __dImp) { "use strict"; ${body} })`);
    return { path: file, hash: 'h' };
  }

  // V8 keeps what an isolate compiled: a second load of the same source in this process never consults the cache,
  // so each test here compiles a source of its own; test/e2e/code-cache.test.ts checks acceptance across processes.
  it('compiles without a cache, runs the program with require and the importer, and writes the cache after the run', async () => {
    const program = await programFile('exports.add = (a, b) => a + b; exports.os = () => require("node:os").EOL; exports.imp = (s) => __dImp(s);');
    const env = { DBROLLBACK_CACHE_DIR: path.dirname(program.path) };
    const first = loadProgram(program, ['backup'], (s) => import(s), env);
    expect(first.outcome).toBe('none');
    expect((first.exports.add as (a: number, b: number) => number)(2, 3)).toBe(5);
    expect((first.exports.os as () => string)()).toBe(os.EOL);
    expect(await (first.exports.imp as (s: string) => Promise<{ EOL: string }>)('node:os')).toHaveProperty('EOL', os.EOL);
    expect(first.save(true)).toBe(true);
    expect(first.save(true)).toBe(false);
    expect(readCodeCache(first.cacheFile!)?.complete).toBe(true);
  });

  it('compiles normally when V8 rejects the cache (bytecode of another program), and replaces it', async () => {
    const program = await programFile(`exports.v = ${JSON.stringify(String(Math.random()))};`);
    const env = { DBROLLBACK_CACHE_DIR: path.dirname(program.path) };
    const name = codeCacheName(program, ['classify'], await stat(program.path), env);
    const garbage = Buffer.alloc(2048, 1);
    writeCodeCache(path.join(env.DBROLLBACK_CACHE_DIR, 'code-cache', name), garbage, true);
    const rejected = loadProgram(program, ['classify'], (s) => import(s), env);
    expect(rejected.outcome).toBe('rejected');
    expect(typeof rejected.exports.v).toBe('string');
    expect(rejected.save(true)).toBe(true);
    expect(readCodeCache(rejected.cacheFile!)?.data.equals(garbage)).toBe(false);
  });

  it('replaces a cache a failed run wrote once a run succeeds, and not before', async () => {
    const program = await programFile('exports.v = 1;');
    const env = { DBROLLBACK_CACHE_DIR: path.dirname(program.path) };
    expect(loadProgram(program, ['undo'], (s) => import(s), env).save(false)).toBe(true);
    expect(loadProgram(program, ['undo'], (s) => import(s), env).save(false)).toBe(false);
    expect(loadProgram(program, ['undo'], (s) => import(s), env).save(true)).toBe(true);
    expect(loadProgram(program, ['undo'], (s) => import(s), env).save(true)).toBe(false);
  });

  it('with DBROLLBACK_CODE_CACHE=off neither reads nor writes', async () => {
    const program = await programFile('exports.v = 1;');
    const loaded = loadProgram(program, ['backup'], (s) => import(s), { DBROLLBACK_CODE_CACHE: 'off' });
    expect(loaded.outcome).toBe('off');
    expect(loaded.cacheFile).toBeNull();
    expect(loaded.save(true)).toBe(false);
    expect(await readdir(path.dirname(program.path))).toEqual(['program.js']);
    expect(loadProgram(program, ['backup'], (s) => import(s), { DBROLLBACK_CACHE_DIR: 'off' }).outcome).toBe('off');
  });
});
