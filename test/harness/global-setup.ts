/**
 * One temporary directory per test run: every mkdtemp(os.tmpdir()) of the
 * tests and the throwaway clusters lands in it, and it is removed at the end,
 * so runs leave nothing behind in /tmp.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export default async function setup(): Promise<() => Promise<void>> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-tests-'));
  // The clusters run as the postgres OS user when tests run as root: it must reach its directories.
  await chmod(root, 0o755);
  process.env.TMPDIR = root;
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}
