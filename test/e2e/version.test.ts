import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli } from '../harness/cli.js';

const { version } = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

describe('dbrollback --version (built CLI)', () => {
  it.each([['--version'], ['-V']])('%s prints the package version alone on stdout and exits 0', async (flag) => {
    const run = await runBuiltCli([flag]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(version);
    expect(run.exitCode).toBe(0);
  });

  it('is listed in --help', async () => {
    const run = await runBuiltCli(['--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/-V, --version\s+print the version of dbrollback/);
  });
});
