import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbrollbackError } from '../../../src/errors.js';
import { findBinary } from '../../../src/pgtools/binaries.js';
import { runTool } from '../../../src/pgtools/run.js';
import { recordingBinDir } from '../../harness/argv-recorder.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

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
