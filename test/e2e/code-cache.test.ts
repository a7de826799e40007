import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../harness/cli.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-e2e-code-cache-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The built CLI with its caches in `cacheDir` (the code cache in cacheDir/code-cache) and the phase trace on; the trace lines are split from the rest of stderr. */
async function run(args: string[], cacheDir: string, extra: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = await runBuiltCli(args, { cwd: extra.cwd, env: { DBROLLBACK_CACHE_DIR: cacheDir, DBROLLBACK_TRACE: '1', ...extra.env } });
  const lines = r.stderr.split('\n');
  const trace = lines.filter((l) => l.startsWith('dbrollback-trace '));
  return {
    exitCode: r.exitCode,
    stdout: r.stdout,
    stderr: lines.filter((l) => !l.startsWith('dbrollback-trace ')).join('\n'),
    outcome: /code cache (\w+)\)/.exec(trace.join('\n'))?.[1],
    written: trace.some((l) => l.endsWith('cli: code cache written')),
  };
}

describe('the CLI program compiled with V8 code cache (built CLI)', () => {
  it('writes a cache on a command’s first run and uses it on the next, with the same output', async () => {
    const root = await tempDir();
    const cache = path.join(root, 'code-cache');
    const first = await run(['--help'], root);
    expect(first).toMatchObject({ exitCode: 0, stderr: '', outcome: 'none', written: true });
    const [file] = await readdir(cache);
    expect(file).toMatch(/^[0-9a-f]{16}-other-[0-9a-f]{12}\.bin$/);
    const second = await run(['--help'], root);
    expect(second).toMatchObject({ exitCode: 0, stderr: '', outcome: 'accepted', written: false });
    expect(second.stdout).toBe(first.stdout);
    // Another command has a cache of its own.
    expect(await run(['backups', '--help'], root)).toMatchObject({ exitCode: 0, outcome: 'none', written: true });
    expect((await readdir(cache)).length).toBe(2);
  });

  it('ignores a corrupt cache file, runs correctly and replaces it', async () => {
    const root = await tempDir();
    const cache = path.join(root, 'code-cache');
    await run(['--version'], root);
    const [file] = await readdir(cache);
    const good = await readFile(path.join(cache, file!));
    const bad = Buffer.from(good);
    for (let i = 200; i < bad.length; i += 997) bad[i]! ^= 0xff;
    await writeFile(path.join(cache, file!), bad, { mode: 0o600 });
    const r = await run(['--version'], root);
    expect(r).toMatchObject({ exitCode: 0, stderr: '', outcome: 'none', written: true });
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(await run(['--version'], root)).toMatchObject({ outcome: 'accepted' });
  });

  it('runs without a cache, silently, where none can be written or caching is off', async () => {
    const root = await tempDir();
    await writeFile(path.join(root, 'a-file'), '');
    const unwritable = await run(['--version'], path.join(root, 'a-file', 'cache'));
    expect(unwritable).toMatchObject({ exitCode: 0, stderr: '', outcome: 'none', written: false });
    const off = await run(['--version'], root, { env: { DBROLLBACK_CODE_CACHE: 'off' } });
    expect(off).toMatchObject({ exitCode: 0, stderr: '', outcome: 'off', written: false });
    expect(off.stdout).toBe(unwritable.stdout);
    expect(await readdir(root)).toEqual(['a-file']);
  });

  it('loads an ES module config file through import() with and without a cache', async () => {
    const cache = await tempDir();
    const project = await tempDir();
    // An unknown key is reported by name: proof the module was imported and read, not merely found.
    await writeFile(path.join(project, 'dbrollback.config.mjs'), "export default { storage: 'file:///tmp/x', notAKey: 1 };\n");
    const first = await run(['backups'], cache, { cwd: project });
    const second = await run(['backups'], cache, { cwd: project });
    expect(first.outcome).toBe('none');
    expect(second.outcome).toBe('accepted');
    for (const r of [first, second]) {
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/notAKey/);
      expect(r.stderr).not.toMatch(/could not be loaded/);
    }
  });
});
