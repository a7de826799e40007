/**
 * The end of every multi-step run (undo, restore, and the runs built on
 * them): one place that turns how a run stopped into its outcome, its exit
 * code and its audit record, so every runbook reports the same way.
 */
import { DbrollbackError, EXIT, isDbrollbackError } from '../errors.js';
import type { Storage } from '../storage/contract.js';
import type { AuditRecord, AuditRun, StepResult } from './audit-trail.js';

export type RunOutcome = 'success' | 'failed' | 'refused' | 'verify-failed';

/** Any thrown value as a DbrollbackError (an unexpected one is INTERNAL, exit 1). */
export function asRunError(err: unknown): DbrollbackError {
  return isDbrollbackError(err) ? err : new DbrollbackError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

export function outcomeOf(error: DbrollbackError | null): RunOutcome {
  if (error === null) return 'success';
  if (error.code === 'VERIFY_FAILED') return 'verify-failed';
  return error.exitCode === EXIT.refused ? 'refused' : 'failed';
}

export interface RunFacts extends Pick<AuditRecord, 'undone' | 'notUndone' | 'noBackup'> {
  plan?: unknown;
  backupId?: string | null;
  verify?: unknown;
  /** Anything else the runbook records (restore's mode and databases, PITR's target). */
  extra?: Record<string, unknown>;
}

/**
 * Write the audit record of a finished run. Bad input (exit 2) touched
 * nothing, the storage included, so it leaves no record. A record that cannot
 * be written is a warning, never a change of the run's own result.
 */
export async function recordRun(
  audit: AuditRun,
  storage: Storage | null,
  steps: StepResult[],
  error: DbrollbackError | null,
  facts: RunFacts,
  onWarning: (line: string) => void,
): Promise<string | null> {
  if (!storage || error?.exitCode === EXIT.usage) return null;
  return audit.finish(storage, outcomeOf(error), { ...facts, steps, error: error ? { code: error.code, message: error.message } : null }, onWarning);
}
