import { describe, expect, it } from 'vitest';
import { DbrollbackError } from '../../../src/errors.js';
import { parseDuration } from '../../../src/db/duration.js';
import { isLockTimeout, withLockRetries } from '../../../src/db/lock-wait.js';

const lockTimeout = () => Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03', severity: 'ERROR' });

describe('lock waits', () => {
  it('parses durations: 5s, 500ms, 1.5s, 2m, bare seconds; rejects words, zero and negatives', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration(0.25)).toBe(250);
    for (const bad of ['soon', '', '0', '-1s', '5 h', 0, -2]) expect(parseDuration(bad), String(bad)).toBeUndefined();
  });

  it('recognises SQLSTATE 55P03 directly or wrapped, and nothing else', () => {
    expect(isLockTimeout(lockTimeout())).toBe(true);
    expect(isLockTimeout(new DbrollbackError('MIGRATION_FAILED', 'down failed', { cause: lockTimeout() }))).toBe(true);
    expect(isLockTimeout(new Error('outer', { cause: new DbrollbackError('QUERY_FAILED', 'x', { cause: lockTimeout() }) }))).toBe(true);
    expect(isLockTimeout(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(false);
    expect(isLockTimeout(new Error('lock timeout in the text only'))).toBe(false);
  });

  it('retries a lock timeout that changed nothing, then gives up with LOCK_TIMEOUT (exit 1) naming the blocker', async () => {
    let calls = 0;
    const err = await withLockRetries(async () => {
      calls++;
      // As the server does: the statement waits out its lock_timeout, then fails.
      await new Promise((resolve) => setTimeout(resolve, 60));
      throw lockTimeout();
    }, {
      lockTimeoutMs: 40,
      backoffMs: 1,
      what: 'the down migrations',
      unchanged: () => true,
      blockers: async () => [{ pid: 4242, applicationName: 'psql', user: 'app', state: 'idle in transaction', queryStart: '2026-12-01T03:00:00.000Z', xactStart: '2026-12-01T02:59:00.000Z', query: 'SELECT 1' }],
    }).catch((e: unknown) => e as DbrollbackError);
    expect(calls).toBe(3);
    expect(err).toMatchObject({ code: 'LOCK_TIMEOUT', exitCode: 1 });
    expect(err.message).toMatch(/pid 4242, application "psql", user app, state idle in transaction, transaction started 2026-12-01T02:59:00.000Z, query started 2026-12-01T03:00:00.000Z, query: "SELECT 1"/);
    expect(err.hint).toContain('pg_terminate_backend(4242)');
  });

  it('does not retry when the failed attempt changed something, or when the failure is not a lock timeout', async () => {
    let calls = 0;
    await expect(withLockRetries(async () => {
      calls++;
      throw lockTimeout();
    }, { lockTimeoutMs: 10, backoffMs: 1, what: 'x', unchanged: () => false })).rejects.toMatchObject({ code: '55P03' });
    expect(calls).toBe(1);
    await expect(withLockRetries(async () => {
      calls++;
      throw new Error('syntax error');
    }, { lockTimeoutMs: 10, backoffMs: 1, what: 'x', unchanged: () => true })).rejects.toThrow('syntax error');
    expect(calls).toBe(2);
    let n = 0;
    await expect(withLockRetries(async () => {
      if (++n < 2) throw lockTimeout();
      return 'done';
    }, { lockTimeoutMs: 10, backoffMs: 1, what: 'x', unchanged: () => true })).resolves.toBe('done');
  });
});
