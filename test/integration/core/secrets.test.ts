import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbrollbackError } from '../../../src/errors.js';
import { findBinary } from '../../../src/pgtools/binaries.js';
import { runTool } from '../../../src/pgtools/run.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

/**
 * A directory of wrappers around the real PostgreSQL programs that record
 * their argv, so a test sees exactly what `ps` would show.
 */
async function recordingBinDir(): Promise<{ dir: string; log: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-shim-'));
  const log = path.join(dir, 'argv.log');
  for (const name of ['psql', 'pg_dump', 'pg_restore', 'pg_basebackup'] as const) {
    const real = await findBinary(name);
    const shim = path.join(dir, name);
    await writeFile(shim, `#!/bin/sh\nprintf '%s\\n' "$0 $*" >> '${log}'\nexec '${real.path}' "$@"\n`);
    await chmod(shim, 0o755);
  }
  await writeFile(log, '');
  return { dir, log };
}

describe('passwords stay out of argv and messages', () => {
  let cluster: Cluster;
  const password = 'Sup3r-Secret/Pa$$ word';
  beforeAll(async () => {
    cluster = await startCluster({ password });
  });
  afterAll(async () => cluster?.stop());

  it('a child process authenticates through its environment; its argv never holds the password', async () => {
    const { dir, log } = await recordingBinDir();
    const psql = await findBinary('psql', { binDir: dir });
    const { stdout } = await runTool(psql, ['-At', '-c', 'SELECT current_user'], { conn: cluster.conn() });
    expect(stdout.trim()).toBe('postgres');
    const argv = await readFile(log, 'utf8');
    expect(argv).toContain('-c SELECT current_user');
    expect(argv).not.toContain(password);
    expect(argv).not.toContain(encodeURIComponent(password));
  });

  it('a failing child reports its error without the password', async () => {
    const psql = await findBinary('psql');
    const err = (await runTool(psql, ['-At', '-c', `SELECT '${'x'}' FROM nope`], {
      conn: { ...cluster.conn(), database: 'no_such_db' },
    }).catch((e: unknown) => e)) as DbrollbackError;
    expect(err).toBeInstanceOf(DbrollbackError);
    expect(err.code).toBe('TOOL_FAILED');
    expect(err.message).toContain('no_such_db');
    expect(JSON.stringify(err.toJSON())).not.toContain(password);
    expect(String((err.cause as Error).message)).not.toContain(password);
  });

  it('refuses to start a child whose arguments would carry the password', async () => {
    const psql = await findBinary('psql');
    const err = (await runTool(psql, ['-d', `postgres://postgres:${password}@127.0.0.1/x`], { conn: cluster.conn() }).catch((e: unknown) => e)) as DbrollbackError;
    expect(err.code).toBe('INTERNAL');
    expect(err.message).not.toContain(password);
  });
});
