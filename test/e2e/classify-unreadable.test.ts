import { execa } from 'execa';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../harness/cli.js';
import { isRoot } from '../harness/cluster.js';

describe('classify of an unreadable file (built CLI)', () => {
  it('says the file cannot be read (permission denied) and exits 2', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-unreadable-'));
    await chmod(dir, 0o755);
    const file = path.join(dir, '001_secret.sql');
    await writeFile(file, 'ALTER TABLE t ADD COLUMN c int;\n');
    await chmod(file, 0o600);
    // root reads everything: run the CLI as an ordinary user (the one the test clusters run as).
    const [cmd, args] = isRoot() ? ['runuser', ['-u', 'postgres', '--', process.execPath, CLI]] : [process.execPath, [CLI]];
    if (!isRoot()) await chmod(file, 0o000);
    const run = await execa(cmd, [...args, 'classify', file], { reject: false, cwd: os.tmpdir() });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`cannot read ${file}: permission denied`);
  });
});
