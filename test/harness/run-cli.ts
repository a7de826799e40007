/** Run the CLI in-process (runCli) with captured streams, optionally from another working directory. */
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: () => Record<string, unknown>;
}

export async function cli(argv: string[], cwd?: string): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const previous = process.cwd();
  // Config resolution reads the working directory: run where the test's files are.
  if (cwd) process.chdir(cwd);
  try {
    const code = await runCli({ argv, streams: { stdout, stderr, stdin } });
    return { code, stdout: out, stderr: err, json: () => JSON.parse(out) as Record<string, unknown> };
  } finally {
    if (cwd) process.chdir(previous);
  }
}
