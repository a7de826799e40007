/** The built CLI with DBROLLBACK_PAUSE_AT left set outside the test suite. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBuiltCli } from '../harness/cli.js';

describe('DBROLLBACK_PAUSE_AT outside the test suite', () => {
  it('a point that would hold a transaction and its locks open is refused before anything starts (exit 2)', async () => {
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-pause-'));
    // Port 1: had the run started, it would have failed to connect (exit 1) instead.
    const run = await runBuiltCli(['undo', '--count', '1', '--yes', '--database-url', 'postgres://app@127.0.0.1:1/shop', '--storage', storage], { env: { DBROLLBACK_PAUSE_AT: 'undo:in-down-transaction', VITEST: '' } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("DBROLLBACK_PAUSE_AT=undo:in-down-transaction is a testing hook that would keep the down migration's open transaction and the locks its statements took while it waits; it runs only under the test suite");
  });

  it('any other point: the run says first that it will pause', async () => {
    const run = await runBuiltCli(['status', '--database-url', 'postgres://app@127.0.0.1:1/shop'], { env: { DBROLLBACK_PAUSE_AT: 'migrate:after-up', VITEST: '' } });
    expect(run.stderr.split('\n')[0]).toBe('dbrollback: DBROLLBACK_PAUSE_AT=migrate:after-up is set (a testing hook): this run will pause at migrate:after-up');
  });
});
