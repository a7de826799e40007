/**
 * A directory of wrappers around every PostgreSQL program that record their
 * argv before running the real one — exactly what `ps` would show. Point
 * DBROLLBACK_PG_BINDIR (or findBinary's binDir) at it.
 */
import { chmod, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findBinary } from '../../src/pgtools/binaries.js';

export async function recordingBinDir(): Promise<{ dir: string; log: string }> {
  const real = path.dirname((await findBinary('pg_dump')).path);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-argv-'));
  const log = path.join(dir, 'argv.log');
  await writeFile(log, '');
  await chmod(dir, 0o777);
  await chmod(log, 0o666);
  for (const name of await readdir(real)) {
    const shim = path.join(dir, name);
    await writeFile(shim, `#!/bin/sh\nprintf '%s\\n' "$0 $*" >> '${log}'\nexec '${path.join(real, name)}' "$@"\n`);
    await chmod(shim, 0o755);
  }
  return { dir, log };
}
