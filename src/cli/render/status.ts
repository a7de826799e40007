/** status: JSON and text. */
import type { StatusReport } from '../../index.js';
import { describeUnfinished, unfinishedJson } from './unfinished.js';
import { table } from '../output.js';

export function statusJson(report: StatusReport) {
  return {
    migrator: report.migrator,
    database: report.database,
    head: report.head,
    migrations: report.migrations.map((m) => ({
      name: m.name,
      applied: m.applied,
      ...(m.dirty ? { dirty: true } : {}),
      appliedAt: m.appliedAt ? m.appliedAt.toISOString() : null,
      down: m.down,
      ...(m.downNote ? { downNote: m.downNote } : {}),
      // An applied migration undo leaves applied and does not count (a Flyway repeatable): why.
      ...(m.staysApplied ? { staysApplied: m.staysApplied } : {}),
      // The tool's other names for it (golang-migrate's and dbmate's version, Sqitch's and Liquibase's tags), which --to takes too.
      ...(m.tags && m.tags.length > 0 ? { tags: m.tags } : {}),
      // A pending migration the tool's own migrate leaves (Flyway's target): why, and migrate does not apply it either.
      ...(m.skippedBy ? { skippedBy: m.skippedBy } : {}),
      hasDown: m.down === 'yes' || m.down === 'inferred',
      wayBack: report.toolHasDowns && (m.down === 'yes' || m.down === 'inferred') ? 'down' : 'restore',
      path: m.path,
      restorePoint: restorePointOf(report, m.name),
    })),
    applied: report.applied.map((m) => m.name),
    pending: report.pending.map((m) => m.name),
    missingDefinitions: report.missingDefinitions,
    ...(report.appliedAtNote ? { appliedAtNote: report.appliedAtNote } : {}),
    toolHasDowns: report.toolHasDowns,
    warnings: report.warnings ?? [],
    lock: report.lockHolder,
    dbrollbackLock: report.dbrollbackLockHolder,
    unfinishedRuns: report.unfinishedRuns.map(unfinishedJson),
    restorePointsKnown: report.restorePoints !== null,
    ...(report.restorePointsProblem ? { restorePointsProblem: report.restorePointsProblem } : {}),
  };
}

function restorePointOf(report: StatusReport, name: string) {
  const point = report.restorePoints?.get(name);
  // archived: the server archived WAL when the point was made (migrate switched to a new segment then); otherwise
  // the WAL holding it was never kept, and no point-in-time restore can reach it.
  return point ? { name: point.name, lsn: point.lsn, time: point.time, timeline: point.timeline, archived: point.walSwitched, archiving: point.archiving ?? null } : null;
}

function restorePointCell(report: StatusReport, m: StatusReport['migrations'][number]): string {
  if (!m.applied) return '';
  const point = report.restorePoints?.get(m.name);
  // Not switched on an archiving server (migrate's role may not call pg_switch_wal): archived with its segment, later.
  return point ? `${point.walSwitched ? 'yes' : point.archiving === true ? `with segment ${point.walFile}` : 'not archived'} (${point.lsn})` : 'no';
}

function downCell(m: StatusReport['migrations'][number]): string {
  // Not undone by design, rather than a down that is missing.
  if (m.staysApplied) return `not undone (${m.staysApplied})`;
  switch (m.down) {
    case 'yes':
    case 'inferred':
      return m.down;
    // Why it is irreversible, or which down is missing (an .up.sql's .down.sql); "empty" says it all.
    case 'irreversible':
    case 'missing':
      return `NO (${m.down}${m.downNote ? `: ${m.downNote}` : ''})`;
    default:
      return `NO (${m.down})`;
  }
}

export function renderStatus(report: StatusReport): string {
  const dirty = report.migrations.find((m) => m.dirty);
  const head = `head ${report.head ?? '(none)'}${dirty ? ` (DIRTY: ${dirty.name} failed or was interrupted; see the warning below)` : ''}`;
  const lines = [`${report.migrator} migrations on ${report.database}: ${report.applied.length} applied, ${report.pending.length} pending; ${head}`];
  if (report.migrations.length > 0) {
    lines.push(
      '',
      table(
        ['state', 'migration', 'applied at', 'down', ...(report.restorePoints ? ['restore point before'] : [])],
        report.migrations.map((m) => [
          m.dirty ? 'DIRTY' : m.applied ? 'applied' : m.skippedBy ? 'pending (will not run)' : 'pending',
          m.name,
          m.appliedAt ? m.appliedAt.toISOString() : '',
          report.toolHasDowns ? downCell(m) : 'none (restore)',
          ...(report.restorePoints ? [restorePointCell(report, m)] : []),
        ]),
      ),
    );
  }
  if (report.appliedAtNote) lines.push(`applied at: ${report.appliedAtNote}`);
  const unswitched = report.migrations.some((m) => m.applied && report.restorePoints?.get(m.name)?.walSwitched === false && report.restorePoints?.get(m.name)?.archiving === true);
  if (unswitched) {
    lines.push('restore points not switched into the archive: the role that ran migrate may not call pg_switch_wal(), so each point reaches the WAL archive with its segment (once full, or after archive_timeout); `dbrollback plan` says whether a point-in-time restore reaches it yet (as a superuser: GRANT EXECUTE ON FUNCTION pg_switch_wal() TO the role)');
  }
  const unarchived = report.migrations.some((m) => m.applied && report.restorePoints?.get(m.name)?.walSwitched === false && report.restorePoints?.get(m.name)?.archiving !== true);
  if (unarchived) {
    lines.push('restore points not archived: the server was not archiving WAL when migrate made them, so no point-in-time restore can reach them; the way back before those migrations is the logical backups migrate took (dbrollback backups)');
  }
  if (!report.toolHasDowns) {
    // Where the restore points were not archived, the restore to name is the logical backup's, not the WAL archive's.
    const restore = unarchived ? 'dbrollback restore --before-migration NAME --backup auto' : 'dbrollback restore --before-migration NAME --data-dir DIR';
    lines.push(`${report.toolName} has no down migrations: the way back past a migration is a restore (${restore}, or only some tables with --tables T1,T2 --into-database URL; \`dbrollback plan --count N\` shows the options)`);
  }
  for (const warning of report.warnings ?? []) lines.push(`warning: ${warning}`);
  if (report.restorePointsProblem) lines.push(`restore points: not shown (the storage could not be read: ${report.restorePointsProblem})`);
  else if (report.restorePoints === null) lines.push('restore points: not shown (no --storage configured)');
  for (const name of report.missingDefinitions) lines.push(`warning: ${name} is recorded as applied but its file is missing`);
  if (report.lockHolder) {
    const h = report.lockHolder;
    lines.push(`migration running: the ${report.migrator} lock is held ${h.description ?? `by pid ${h.pid}${h.user ? ` (${h.user})` : ''}${h.applicationName ? ` "${h.applicationName}"` : ''}`}`);
  }
  if (report.dbrollbackLockHolder) lines.push(`dbrollback running: lock held by pid ${report.dbrollbackLockHolder.pid}`);
  for (const r of report.unfinishedRuns) lines.push(describeUnfinished(r));
  return lines.join('\n');
}
