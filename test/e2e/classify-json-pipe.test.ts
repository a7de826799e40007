/**
 * A long classify --json report reaches a slow reader whole (built CLI): it
 * is written in chunks (writeJson), and the CLI exits once stdout has drained,
 * never with chunks still queued in front of it. The files are parsed ahead
 * on a worker thread (64 files and more), which must not change the report.
 */
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../harness/cli.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('classify --json through a pipe (built CLI)', () => {
  it('a 1,000-file report read slowly arrives whole and parses, the same as the library gives', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-json-pipe-'));
    dirs.push(dir);
    for (let i = 0; i < 1000; i++) {
      const sql = `ALTER TABLE users ADD COLUMN c${i} text;\nCREATE INDEX idx_${i} ON orders (status);\nALTER TABLE customers DROP COLUMN legacy_${i};\n`.repeat(3);
      await writeFile(path.join(dir, `${String(i).padStart(4, '0')}_m.up.sql`), sql);
    }
    // The reader starts after a second: by then the CLI has written everything it could into the pipe.
    const run = await execa('bash', ['-c', `"${process.execPath}" "${CLI}" classify --json "${dir}" | (sleep 1; cat)`], { cwd: os.tmpdir(), maxBuffer: 1 << 30 });
    const report = JSON.parse(run.stdout) as { files: Array<{ path: string; statements: unknown[] }>; ok: boolean };
    expect(report.files.length).toBe(1000);
    expect(report.files.at(-1)!.path).toBe(path.join(dir, '0999_m.up.sql'));
    expect(report.files.every((f) => f.statements.length === 9)).toBe(true);
    expect(run.stdout.length).toBeGreaterThan(5_000_000);
  });
});

describe('classify --json to a reader that stops early, or to a full disk (built CLI)', () => {
  it('a reader that closes the pipe (| head) ends the output quietly: no stack trace, the command\'s own exit code', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-json-pipe-'));
    dirs.push(dir);
    for (let i = 0; i < 200; i++) await writeFile(path.join(dir, `${String(i).padStart(4, '0')}_m.up.sql`), `ALTER TABLE users ADD COLUMN c${i} text;\n`.repeat(20));
    const run = await execa('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" classify --json "${dir}" | head -c 100 > /dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`], { cwd: os.tmpdir(), reject: false });
    expect(run.stderr).toContain('exit=0');
    expect(run.stderr).not.toMatch(/EPIPE|Error|at /);
  });

  it('a result that cannot be written (a full disk) is exit 1 with a message, not a success or a stack trace', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-json-pipe-'));
    dirs.push(dir);
    await writeFile(path.join(dir, '0001_m.up.sql'), 'ALTER TABLE users ADD COLUMN c text;\n');
    // /dev/full: every write fails with ENOSPC.
    const run = await execa('bash', ['-c', `"${process.execPath}" "${CLI}" classify --json "${dir}" > /dev/full`], { cwd: os.tmpdir(), reject: false });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/the result could not be written to stdout \(.*ENOSPC.*\); the command itself completed/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
