/** Small helpers shared by the adapter integration tests. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DbrollbackError } from '../../../src/errors.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../migrations-fixtures');

export async function rejection(promise: Promise<unknown>): Promise<DbrollbackError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DbrollbackError) return err;
    throw err;
  }
  throw new Error('expected a DbrollbackError, but the call succeeded');
}

/** A private copy of a fixture directory to break or extend; removed by the returned cleanup. */
export async function copyFixture(relative: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-fixture-'));
  const dir = path.join(base, path.basename(relative));
  await cp(path.join(FIXTURES, relative), dir, { recursive: true });
  return { dir, cleanup: () => rm(base, { recursive: true, force: true }) };
}
