/** Small helpers for tests that need a throwaway directory of files or an expected DbrollbackError. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DbrollbackError } from '../../src/errors.js';

const temps: string[] = [];

/** A new directory holding `files` (name → text); removed by `removeTempDirs`. */
export async function dirWith(files: Record<string, string>, prefix = 'dbrollback-files-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) {
    // A name with a / is a file in a sub-folder.
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** The DbrollbackError a promise rejects with; any other outcome fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<DbrollbackError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DbrollbackError) return err;
    throw err;
  }
  throw new Error('expected a DbrollbackError, but the call succeeded');
}
