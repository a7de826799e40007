/**
 * `dbrollback backup` as a recorded run: journaled in the storage while it
 * runs (a killed backup is shown as interrupted, and since its manifest was
 * never written it is never listed as usable), and ending with an audit
 * record like every mutating command.
 */
import { AuditRun, type StepResult } from '../audit/audit-trail.js';
import { Checklist } from '../audit/checklist.js';
import type { Journal } from '../audit/journal.js';
import { asRunError, openJournal, outcomeOf, recordRun, type RunOutcome } from '../audit/runbook.js';
import { describeConn } from '../db/conninfo.js';
import type { DbrollbackError } from '../errors.js';
import { backup, type BackupOptions, type BackupResult, type BackupSource } from './backup.js';

export const BACKUP_STEPS = ['backup'] as const;

export interface BackupRunOptions extends BackupOptions {
  /** The command line, for the journal and the audit record (secrets are removed). */
  commandLine?: string[];
}

export interface BackupRunReport {
  ok: boolean;
  outcome: RunOutcome;
  result: BackupResult | null;
  steps: StepResult[];
  auditKey: string | null;
  error: DbrollbackError | null;
}

export async function backupRun(source: BackupSource, options: BackupRunOptions = {}): Promise<BackupRunReport> {
  const log = options.onStep ?? (() => undefined);
  const database = describeConn(source.conn);
  const audit = new AuditRun('backup', database, options.commandLine);
  let result: BackupResult | null = null;
  let journal: Journal | undefined;
  const checklist = new Checklist(BACKUP_STEPS, () => undefined, { signal: source.signal, facts: () => ({ backupId: result?.manifest.id ?? null }) });
  let error: DbrollbackError | null = null;
  try {
    result = await checklist.run(
      'backup',
      () => backup(source, {
        ...options,
        // Journaled from the moment something is written: a backup refused on its checks (bad input,
        // a pg_dump too old) leaves nothing in the storage.
        onDumpStart: (id) => {
          journal = openJournal(source.storage, audit, 'backup', database, options.commandLine ?? [], BACKUP_STEPS);
          checklist.attach(journal);
          options.onDumpStart?.(id);
        },
      }),
      (r) => `${r.manifest.id}, ${r.manifest.sizeBytes} bytes`,
    );
  } catch (err) {
    error = asRunError(err);
  }
  // Failed before anything was written: the error alone says it, as for any check.
  if (!journal && error) throw error;
  const steps = checklist.finish();
  const auditKey = await recordRun(audit, source.storage, steps, error, { backupId: result?.manifest.id ?? null }, log, journal);
  return { ok: error === null, outcome: outcomeOf(error), result, steps, auditKey, error };
}
