/** restore --tables: JSON and the text for people. */
import type { RecoverTablesReport, RestorePartialReport } from '../../index.js';
import { table } from '../output.js';
import { stepLines } from './steps.js';

export function recoverTablesJson(r: RecoverTablesReport) {
  return {
    ok: r.ok,
    outcome: r.outcome,
    target: r.target,
    schema: r.schema,
    replaced: r.replaced,
    aside: r.aside,
    keptAside: r.keptAside,
    backupId: r.backupId,
    tables: r.tables,
    droppedKeys: r.droppedKeys,
    walStaging: r.walStaging,
    durationMs: r.durationMs,
    steps: r.steps,
    auditKey: r.auditKey,
    ...(r.error ? { error: r.error.toJSON() } : {}),
  };
}

export function renderRecoverTables(r: RecoverTablesReport): string {
  const lines = ['steps:'];
  lines.push(...stepLines(r.steps));
  if (r.tables.length > 0) lines.push('', table(['table', 'now at', 'rows recovered', 'fingerprint'], r.tables.map((t) => [t.table, t.now, t.rows, t.matches ? 'matches the recovered copy' : 'DIFFERS'])));
  if (r.aside) lines.push(`the live tables were kept in schema ${r.aside}`, ...keptAsideLines(r.keptAside, `the target (${r.target})`).map((l) => `  ${l}`));
  if (r.backupId) lines.push(`backup taken before the swap: ${r.backupId}`);
  if (r.ok) lines.push('', `restore --tables: ok — ${r.tables.length} table(s) recovered to ${r.target} in ${(r.durationMs / 1000).toFixed(1)} s${r.replaced ? ', swapped in place' : ` into schema ${r.schema}`}`);
  return lines.join('\n');
}

export function restorePartialJson(r: RestorePartialReport) {
  return {
    ok: r.ok,
    outcome: r.outcome,
    backupId: r.backupId,
    covers: r.covers,
    schema: r.schema,
    replaced: r.replaced,
    aside: r.aside,
    keptAside: r.keptAside,
    safetyBackupId: r.safetyBackupId,
    tables: r.tables,
    droppedKeys: r.droppedKeys,
    recreatedKeys: r.recreatedKeys,
    durationMs: r.durationMs,
    steps: r.steps,
    auditKey: r.auditKey,
    ...(r.error ? { error: r.error.toJSON() } : {}),
  };
}

export function renderRestorePartial(r: RestorePartialReport): string {
  const lines = ['steps:'];
  lines.push(...stepLines(r.steps));
  if (r.tables.length > 0) lines.push('', table(['table', 'now at', 'rows restored', 'fingerprint'], r.tables.map((t) => [t.table, t.now, t.rows, t.matches ? 'matches the backup' : 'DIFFERS'])));
  if (r.aside) lines.push(`the live tables were kept in schema ${r.aside}`, ...keptAsideLines(r.keptAside, `backup ${r.backupId}`).map((l) => `  ${l}`));
  if (r.recreatedKeys.length > 0) lines.push(`foreign keys made again on the restored tables: ${r.recreatedKeys.join(', ')}`);
  if (r.safetyBackupId) lines.push(`backup of the live tables taken before the swap: ${r.safetyBackupId}`);
  if (r.ok) lines.push('', `restore: ok — ${r.tables.length} table(s) of backup ${r.backupId} restored in ${(r.durationMs / 1000).toFixed(1)} s${r.replaced ? ', swapped in place' : ` into schema ${r.schema}`}`);
  return lines.join('\n');
}

/** One line per table for people: what the aside table holds beyond the restored one. */
function keptAsideLines(kept: RecoverTablesReport['keptAside'], since: string): string[] {
  return kept.map((k) => {
    if (k.note !== null) return `${k.aside} (the live ${k.table} before the swap): ${k.note}`;
    const written = k.onlyAside! + k.changed! === 0
      ? `no row inserted or changed since ${since} (nothing to copy back)`
      : `${k.onlyAside} row(s) inserted and ${k.changed} changed since ${since} are there, not in ${k.table}: copy back the ones the application needs`;
    return `${k.aside}: ${written}${k.onlyRestored! > 0 ? `; ${k.onlyRestored} row(s) the live table no longer had are back` : ''} (by primary key)`;
  });
}
