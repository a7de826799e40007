/**
 * A backup's pg_dump writes its archive in large pieces when coreutils'
 * stdbuf can give it a larger stdout buffer (src/pgtools/output-buffer.ts):
 * the real pg_dump on a real cluster, read through spawnTool as a backup
 * reads it. Without stdbuf, or with one that does not run the program, it is
 * started as it is.
 */
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { findBinary, type PgBinary } from '../../../src/pgtools/binaries.js';
import { largeOutputBuffer, OUTPUT_BUFFER } from '../../../src/pgtools/output-buffer.js';
import { spawnTool } from '../../../src/pgtools/run.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

let cluster: Cluster;
let conn: ConnInfo;
let pgDump: PgBinary;
beforeAll(async () => {
  cluster = await startCluster();
  conn = await cluster.createDatabase();
  const database = conn.database;
  // ~4 MB of rows that compress poorly: an archive of a few MB.
  await cluster.sql(database, "CREATE TABLE t AS SELECT i, md5(i::text) || md5((i * 7)::text) AS v FROM generate_series(1, 60000) AS i");
  pgDump = await findBinary('pg_dump');
});
afterAll(async () => {
  await cluster?.stop();
  await removeTempDirs();
});

/** Dump the database through spawnTool, as a backup does: the number of pieces read and the bytes. */
async function dump(via: readonly string[] | null): Promise<{ pieces: number; bytes: number }> {
  const child = spawnTool(pgDump, ['--format=custom', '--no-password'], { conn, via });
  let pieces = 0;
  let bytes = 0;
  for await (const chunk of child.stdout) {
    pieces++;
    bytes += (chunk as Buffer).length;
  }
  await child.exited;
  return { pieces, bytes };
}

describe('a larger stdout buffer for pg_dump', () => {
  it('is stdbuf where it runs pg_dump, and pg_dump then writes its archive in large pieces', async () => {
    const via = await largeOutputBuffer(pgDump);
    expect(via).toEqual([expect.stringMatching(/\/stdbuf$/), '-o', OUTPUT_BUFFER]);
    const direct = await dump(null);
    const buffered = await dump(via);
    expect(buffered.bytes).toBeGreaterThan(1_000_000);
    // The same archive (its size; the bytes differ only by the dump's timestamp), in far fewer reads.
    expect(Math.abs(buffered.bytes - direct.bytes)).toBeLessThan(64);
    expect(direct.bytes / direct.pieces).toBeLessThan(16 * 1024);
    expect(buffered.bytes / buffered.pieces).toBeGreaterThan(32 * 1024);
  });

  it('is none without stdbuf on PATH, or with one that does not run the program', async () => {
    const empty = await dirWith({ 'README': 'no stdbuf here\n' });
    expect(await largeOutputBuffer(pgDump, { PATH: empty })).toBeNull();
    const broken = await dirWith({ stdbuf: '#!/bin/sh\necho "stdbuf: failed to find libstdbuf.so" >&2\nexit 125\n' });
    await chmod(path.join(broken, 'stdbuf'), 0o755);
    expect(await largeOutputBuffer(pgDump, { PATH: broken })).toBeNull();
    // One that runs something else (its answer is not this pg_dump's version).
    const other = await dirWith({ stdbuf: '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.1"\n' });
    await chmod(path.join(other, 'stdbuf'), 0o755);
    expect(await largeOutputBuffer(pgDump, { PATH: other })).toBeNull();
  });
});
