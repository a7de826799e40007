/** restore: JSON and text. */
import { verifySummary } from '../../index.js';
import type { RestoreReport } from '../../index.js';
import { stepLines } from './steps.js';

export function restoreJson(r: RestoreReport) {
  return {
    ok: r.ok,
    outcome: r.outcome,
    backupId: r.backupId,
    backupDatabase: r.backupDatabase,
    otherDatabase: r.otherDatabase,
    database: r.database,
    target: r.target,
    mode: r.mode,
    previousDatabase: r.previousDatabase,
    jobs: r.jobs,
    terminatedSessions: r.terminatedSessions,
    verify: r.verify ? { ...verifySummary(r.verify), tables: r.tables } : null,
    fingerprintedDuringRestore: r.fingerprintedDuringRestore,
    durationMs: r.durationMs,
    steps: r.steps,
    auditKey: r.auditKey,
    ...(r.error ? { error: r.error.toJSON() } : {}),
  };
}

export function renderRestore(r: RestoreReport): string {
  const lines = ['steps:'];
  lines.push(...stepLines(r.steps));
  if (r.ok) {
    lines.push('', `restored backup ${r.backupId}${r.otherDatabase ? ` (a backup of database "${r.backupDatabase}", not of the configured one)` : ''} into ${r.target} (${r.mode}, ${r.jobs} job${r.jobs === 1 ? '' : 's'}, ${(r.durationMs / 1000).toFixed(1)} s)`);
    lines.push(`verified: ${r.verify?.checks.filter((c) => c.status === 'pass').length ?? 0} checks passed against the manifest (row counts, fingerprints, constraints, indexes, sequences)`);
    if (r.previousDatabase) lines.push(`the previous database is kept as "${r.previousDatabase}" — drop it once you no longer need it`);
  }
  if (r.auditKey) lines.push(`audit record: ${r.auditKey}`);
  return lines.join('\n');
}
