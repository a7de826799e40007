/** undo: the contract's JSON and the text for people. */
import { verifySummary } from '../../index.js';
import type { UndoReport } from '../../index.js';
import { formatBytes } from '../output.js';
import { planJson, renderPlan, staysAppliedLines } from './plan.js';
import { stepLines } from './steps.js';

export function undoJson(r: UndoReport) {
  return {
    ok: r.ok,
    outcome: r.outcome,
    plan: r.plan ? planJson(r.plan) : null,
    backupId: r.backupId,
    backup: r.safety,
    undone: r.undone,
    notUndone: r.notUndone,
    verify: r.verify ? verifySummary(r.verify) : null,
    steps: r.steps,
    auditKey: r.auditKey,
    ...(r.outcome === 'dry-run' ? { wouldRefuse: r.wouldRefuse ? r.wouldRefuse.toJSON() : null } : {}),
    ...(r.plan && r.outcome === 'dry-run' ? { downSql: r.plan.migrations.map((m) => ({ name: m.name, source: m.downSql.source, sql: m.downSql.sql, note: m.downSql.note })) } : {}),
    ...(r.error ? { error: r.error.toJSON() } : {}),
  };
}

export function renderUndo(r: UndoReport): string {
  const lines: string[] = [];
  if (r.outcome === 'dry-run' && r.plan) {
    const refusal = r.wouldRefuse ? ` undo would REFUSE this (exit 4, ${r.wouldRefuse.code}): ${r.wouldRefuse.message}` : '';
    lines.push(`DRY RUN — nothing was changed.${refusal}`, '', renderPlan(r.plan), '', 'SQL the down migrations would run, in order:');
    for (const m of r.plan.migrations) {
      lines.push('', `-- ${m.name} (${m.downSql.source}${m.downSql.path ? `: ${m.downSql.path}` : ''})`);
      lines.push(m.downSql.sql.trim() === '' ? `-- (unknown: ${m.downSql.note ?? 'no SQL'})` : m.downSql.sql.trim());
      if (m.downSql.note && m.downSql.sql.trim() !== '') lines.push(`-- note: ${m.downSql.note}`);
    }
    return lines.join('\n');
  }
  lines.push('steps:');
  lines.push(...stepLines(r.steps));
  if (r.undone.length > 0) lines.push(`undone: ${r.undone.join(', ')}`);
  if (r.notUndone.length > 0 && r.outcome !== 'refused') lines.push(`still applied: ${r.notUndone.join(', ')}`);
  if (r.plan && r.undone.length > 0) lines.push(...staysAppliedLines(r.plan));
  if (r.safety) lines.push(`safety backup (--backup ${r.safety.mode}): ${r.safety.taken === 'none' ? 'NONE' : r.safety.taken} — ${r.safety.reason}`);
  if (r.safety?.restorePoint) lines.push(`restore point before changes: ${r.safety.restorePoint.name} at ${r.safety.restorePoint.lsn} (dbrollback restore --restore-point ${r.safety.restorePoint.name} --data-dir DIR)`);
  if (r.backupId) lines.push(`${r.safety?.tables.length ? `partial backup (rows of ${r.safety.tables.join(', ')})` : 'backup'} taken before changes: ${r.backupId}`);
  if (r.plan && r.plan.atRisk.rows > 0 && r.ok) lines.push(`data destroyed as accepted: ${r.plan.atRisk.rows} rows/values, ${formatBytes(r.plan.atRisk.bytes)} (in backup ${r.backupId ?? 'none'})`);
  if (r.plan?.roundTrip && r.plan.roundTrip.differences.length > 0 && r.ok) lines.push(`schema differences accepted (--accept-schema-difference): ${r.plan.roundTrip.differences.map((d) => d.message).join('; ')}`);
  if (r.auditKey) lines.push(`audit record: ${r.auditKey}`);
  if (r.ok) lines.push('', `undo: ok — head is now ${r.plan?.targetHead ?? '(none)'}; verify passed${r.steps.some((s) => s.name === 'resume-traffic' && s.status === 'success') ? '; traffic resumed' : ''}`);
  return lines.join('\n');
}
