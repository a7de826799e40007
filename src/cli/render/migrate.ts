/** migrate: JSON and the text for people. */
import type { MigrateReport } from '../../index.js';
import { stepLines } from './steps.js';

export function migrateJson(r: MigrateReport) {
  return {
    ok: r.ok,
    outcome: r.outcome,
    database: r.database,
    selected: r.selected,
    applied: r.applied,
    notApplied: r.notApplied,
    migrations: r.migrations.map((m) => ({
      name: m.name,
      status: m.status,
      durationMs: m.durationMs,
      restorePoint: m.restorePoint ? { name: m.restorePoint.name, lsn: m.restorePoint.lsn, time: m.restorePoint.time, timeline: m.restorePoint.timeline } : null,
      ...(m.error ? { error: m.error } : {}),
    })),
    classification: r.classification,
    failOn: r.failOn,
    backupId: r.backupId,
    recovery: r.recovery,
    restorePointsSkipped: r.restorePointsSkipped,
    walSwitchSkipped: r.walSwitchSkipped,
    headBefore: r.headBefore,
    headAfter: r.headAfter,
    steps: r.steps,
    auditKey: r.auditKey,
    ...(r.error ? { error: r.error.toJSON() } : {}),
  };
}

export function renderMigrate(r: MigrateReport): string {
  const lines: string[] = ['steps:'];
  lines.push(...stepLines(r.steps));
  if (r.migrations.length > 0) {
    lines.push('migrations:');
    for (const m of r.migrations) {
      const point = m.restorePoint ? `restore point ${m.restorePoint.name} at ${m.restorePoint.lsn}` : 'no restore point';
      lines.push(`  ${m.status.padEnd(8)} ${m.name} — ${point}`);
    }
  }
  if (r.restorePointsSkipped) lines.push(`warning: no restore points were made: ${r.restorePointsSkipped}`);
  if (r.walSwitchSkipped) lines.push(`warning: restore points not switched into the WAL archive: ${r.walSwitchSkipped}`);
  if (r.backupId) lines.push(`backup taken before changes: ${r.backupId}`);
  if (r.auditKey) lines.push(`audit record: ${r.auditKey}`);
  if (r.ok) lines.push('', r.selected.length ? `migrate: ok — head is now ${r.headAfter ?? '(none)'}` : `migrate: nothing pending — head is ${r.headAfter ?? '(none)'}`);
  return lines.join('\n');
}
