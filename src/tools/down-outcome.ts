/**
 * After a down run, what actually happened is read back from the tool's
 * history (not inferred from where an exception was thrown): this file turns
 * "applied before" + "applied after" into per-step results and, on failure,
 * the error that says exactly which migrations were undone and which were not.
 */
import { DbrollbackError } from '../errors.js';
import type { DownResult, DownStepResult, MigrationInfo } from './contract.js';

export interface DownRun {
  kind: string;
  /** The selection, newest first (the order the downs run). */
  selection: readonly MigrationInfo[];
  /** Names applied after the run, read back from the history (oldest first). */
  appliedAfter: readonly string[];
  singleTransaction: boolean;
  /** Milliseconds each migration took, where the adapter saw it run. */
  durations: ReadonlyMap<string, number>;
  /** The failure, if the tool threw. */
  error?: unknown;
  /** The migration whose down was running when the tool threw, when the adapter saw it start. */
  failedName?: string;
  /** The failed migration ran outside a transaction, so some of its statements may have taken effect. */
  failedOutsideTransaction?: boolean;
}

export function downOutcome(run: DownRun): DownResult {
  const after = new Set(run.appliedAfter);
  const headAfter = run.appliedAfter.at(-1) ?? null;
  const failedName =
    run.error === undefined
      ? undefined
      : run.failedName !== undefined && after.has(run.failedName)
        ? run.failedName
        : run.selection.find((m) => after.has(m.name))?.name;
  const reason = run.error === undefined ? undefined : errorText(run.error);
  const failedIndex = run.selection.findIndex((m) => m.name === failedName);
  const steps: DownStepResult[] = run.selection.map((m, i) => {
    const durationMs = run.durations.get(m.name) ?? 0;
    if (!after.has(m.name)) return { name: m.name, status: 'success', durationMs };
    if (m.name === failedName) return { name: m.name, status: 'failed', durationMs, ...(reason !== undefined ? { error: reason } : {}) };
    if (i < failedIndex) {
      // It ran, but in the transaction the failure rolled back.
      return { name: m.name, status: 'not-run', durationMs, error: `rolled back with the failed down of ${failedName}` };
    }
    return { name: m.name, status: 'not-run', durationMs: 0 };
  });
  const result: DownResult = { steps, singleTransaction: run.singleTransaction, headAfter };

  if (run.error !== undefined) throw downFailedError(run, result, failedName, reason ?? 'unknown error');
  const notUndone = steps.filter((s) => s.status !== 'success').map((s) => s.name);
  if (notUndone.length > 0) {
    // The tool returned without error yet its history still lists some: never report success then.
    throw new DbrollbackError('MIGRATION_FAILED', `${run.kind} finished but ${notUndone.join(', ')} ${notUndone.length === 1 ? 'is' : 'are'} still recorded as applied; the database is at ${headAfter ?? 'no migration'}`, {
      hint: 'Run `dbrollback status` and check the migration tool\'s history table before retrying.',
      details: { result },
    });
  }
  return result;
}

function downFailedError(run: DownRun, result: DownResult, failedName: string | undefined, reason: string): DbrollbackError {
  const undone = result.steps.filter((s) => s.status === 'success').map((s) => s.name);
  const notUndone = result.steps.filter((s) => s.status !== 'success').map((s) => s.name);
  const at = result.headAfter ?? 'no applied migration';
  const what = failedName ? `down migration ${failedName} failed: ${reason}.` : `${run.kind} failed: ${reason}.`;
  const state =
    undone.length === 0
      ? run.singleTransaction
        ? ` Nothing was undone: the downs ran in one transaction, which was rolled back. The database is still at ${at}.`
        : ` Nothing was undone. The database is still at ${at}.`
      : ` Undone (committed): ${undone.join(', ')}. Not undone: ${notUndone.join(', ')}. The database is at ${at}` +
        ` (the last fully undone migration was ${undone.at(-1)}).`;
  const partial =
    run.failedOutsideTransaction && failedName
      ? ` ${failedName} ran outside a transaction: statements of its down before the failing one took effect, and it is still recorded as applied.`
      : '';
  return new DbrollbackError('MIGRATION_FAILED', what + state + partial, {
    hint: failedName
      ? `Fix the down migration of ${failedName} (or restore from the backup), then run again: only the migrations still applied will be selected.`
      : 'Check the error above and the migration tool\'s history (`dbrollback status`), then run again.',
    cause: run.error,
    details: { undone, notUndone, failed: failedName ?? null, headAfter: result.headAfter, singleTransaction: run.singleTransaction, steps: result.steps },
  });
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    // umzug wraps the migration's own error; the cause is what the user needs to see.
    const cause = (err as { cause?: unknown }).cause;
    if (err.name === 'MigrationError' && cause instanceof Error) return cause.message;
    return err.message;
  }
  return String(err);
}
