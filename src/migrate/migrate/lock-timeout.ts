/**
 * lock_timeout for the migrations' DDL, so a migration waiting for a lock
 * never queues the application's queries behind it for long.
 *
 * The tools open their own connections (node-pg-migrate through dbrollback,
 * umzug through the project's code), so the setting travels the one way every
 * libpq-style client honours: PGOPTIONS, set only while the tool runs.
 * Issue #14's `lockTimeout` setting (branch safety) replaces the default here once merged.
 */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

export async function withLockTimeout<T>(lockTimeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const before = process.env.PGOPTIONS;
  const option = `-c lock_timeout=${Math.max(1, Math.floor(lockTimeoutMs))}`;
  process.env.PGOPTIONS = before ? `${before} ${option}` : option;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.PGOPTIONS;
    else process.env.PGOPTIONS = before;
  }
}
