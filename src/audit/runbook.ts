/**
 * The end of every multi-step run (undo, restore, and the runs built on
 * them): one place that turns how a run stopped into its outcome, its exit
 * code and its audit record, so every runbook reports the same way.
 */
import { DbrollbackError, EXIT, isDbrollbackError } from '../errors.js';
import type { Storage } from '../storage/contract.js';
import { AuditRun, safeCommandLine, type AuditRecord, type StepResult } from './audit-trail.js';
import { Checklist, isStopError } from './checklist.js';
import { Journal } from './journal.js';
import { trace } from '../trace.js';

export type RunOutcome = 'success' | 'failed' | 'refused' | 'verify-failed' | 'interrupted';

/** Any thrown value as a DbrollbackError (an unexpected one is INTERNAL, exit 1). */
export function asRunError(err: unknown): DbrollbackError {
  return isDbrollbackError(err) ? err : new DbrollbackError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

export function outcomeOf(error: DbrollbackError | null): RunOutcome {
  if (error === null) return 'success';
  if (error.code === 'VERIFY_FAILED') return 'verify-failed';
  if (isStopError(error)) return 'interrupted';
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
 * Write the audit record of a finished run. Bad input (exit 2) found before
 * the run started its journal touched nothing, the storage included, so it
 * leaves no record; once a journal exists, the record is what closes it (a
 * journal without one reads as an interrupted run). A record that cannot be
 * written is a warning, never a change of the run's own result.
 */
export async function recordRun(
  audit: AuditRun,
  storage: Storage | null,
  steps: StepResult[],
  error: DbrollbackError | null,
  facts: RunFacts,
  onWarning: (line: string) => void,
  journal?: Journal,
): Promise<string | null> {
  // The journal first: the audit record is what marks the run finished.
  await journal?.close(onWarning);
  trace('run: journal closed');
  if (!storage || (error?.exitCode === EXIT.usage && !journal)) return null;
  const key = await audit.finish(storage, outcomeOf(error), { ...facts, steps, error: error ? { code: error.code, message: error.message } : null }, onWarning);
  trace('run: audit record written');
  return key;
}

/** Open the journal of a run that is about to change something (the audit record's id is the run's id). */
export function openJournal(storage: Storage, audit: AuditRun, command: AuditRecord['command'], database: string, commandLine: readonly string[], planned: readonly string[]): Journal {
  return Journal.open(storage, { runId: audit.id, command, database, commandLine: safeCommandLine(commandLine), planned });
}

export interface OneStepRun<T> {
  ok: boolean;
  outcome: RunOutcome;
  result: T | null;
  steps: StepResult[];
  auditKey: string | null;
  error: DbrollbackError | null;
}

/**
 * A run of one step that writes to the storage (backup, base-backup): journaled from the moment
 * `work` calls `started()` — its first write — and ended with an audit record. A run refused
 * before it started (bad input, a tool too old) throws as any check does and leaves nothing.
 */
export async function oneStepRun<T>(
  storage: Storage,
  run: { command: AuditRecord['command']; step: string; database: string; commandLine?: string[]; signal?: AbortSignal | undefined; onStep?: (line: string) => void },
  work: (started: () => void) => Promise<T>,
  facts: (result: T | null) => Pick<RunFacts, 'backupId'>,
): Promise<OneStepRun<T>> {
  const audit = new AuditRun(run.command, run.database, run.commandLine);
  let result: T | null = null;
  let journal: Journal | undefined;
  const checklist = new Checklist([run.step], () => undefined, { signal: run.signal, facts: () => facts(result) });
  let error: DbrollbackError | null = null;
  try {
    result = await checklist.run(run.step, () => work(() => {
      journal = openJournal(storage, audit, run.command, run.database, run.commandLine ?? [], [run.step]);
      checklist.attach(journal);
    }));
  } catch (err) {
    error = asRunError(err);
  }
  if (!journal && error) throw error;
  const steps = checklist.finish();
  const auditKey = await recordRun(audit, storage, steps, error, facts(result), run.onStep ?? (() => undefined), journal);
  return { ok: error === null, outcome: outcomeOf(error), result, steps, auditKey, error };
}
