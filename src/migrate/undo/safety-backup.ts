/**
 * What undo backs up before the downs (`--backup auto|tables|full|never`,
 * config `undoBackup`), so the cost of going back grows with what is at
 * risk, not with the size of the database:
 *
 *   full    pg_dump of the whole database (the behaviour before #22);
 *   tables  a partial pg_dump: the rows of the tables the downs can destroy
 *           (the plan's at-risk objects) and the whole schema;
 *   auto    when a verified base backup and a healthy WAL archive reach now:
 *           a restore point, a WAL switch and a wait until that segment is
 *           archived (seconds) — plus the tables backup when the downs
 *           destroy data; otherwise as `tables`;
 *   never   nothing (said loudly, recorded in the audit trail).
 *
 * Where the downs' effect cannot be seen (their SQL is unknown), `tables`
 * and `auto` fall back to a full backup and say why.
 */
import { backup, type BackupResult, type BackupSource } from '../../backup/backup.js';
import { archiveHealth } from '../../backup/wal/archive-health.js';
import { waitArchived } from '../../backup/wal/wait-archived.js';
import type { Db } from '../../db/connection.js';
import { createRestorePoint, restorePointName, restorePointsUnavailable, walSettings } from '../../db/restore-point.js';
import { isDbrollbackError } from '../../errors.js';
import { listUserTables, type TableRef } from '../../fingerprint/fingerprint.js';
import type { ProgressListener } from '../../progress.js';
import type { UndoBackupMode } from '../../run/options.js';
import type { Plan } from '../plan/plan.js';

export type SafetyTaken = 'full' | 'tables' | 'restore-point' | 'restore-point+tables' | 'none';

export interface SafetyRestorePoint {
  name: string;
  lsn: string;
  time: string;
  walFile: string;
  /** The base backup a point-in-time restore to it starts from. */
  baseBackupId: string;
  /** How long the segment holding it took to reach the archive. */
  archivedInMs: number;
}

export interface SafetyBackup {
  /** What was asked (--backup / undoBackup). */
  mode: UndoBackupMode;
  /** What was taken. */
  taken: SafetyTaken;
  /** Why that, in one sentence. */
  reason: string;
  backup: BackupResult | null;
  restorePoint: SafetyRestorePoint | null;
  /** `schema.table` whose rows the partial backup holds (tables, restore-point+tables). */
  tables: string[];
  /** The tables verify compares in full (the rest by write counters); empty for full and none. */
  covered: TableRef[];
}

/** The tables whose rows the downs can destroy, or why that cannot be told. */
export type AtRiskScope = { known: true; tables: TableRef[]; destroys: boolean; summary: string } | { known: false; why: string };

export async function atRiskScope(db: Db, plan: Plan): Promise<AtRiskScope> {
  if (plan.atRiskUnknown.length > 0) return { known: false, why: `what the downs of ${plan.atRiskUnknown.join(', ')} would destroy cannot be seen without running them` };
  const keys = new Map<string, TableRef>();
  const schemas = new Set<string>();
  const what: string[] = [];
  for (const m of plan.migrations) {
    for (const o of m.atRisk?.objects ?? []) {
      if (!o.exists) continue;
      if (o.table !== null) keys.set(`${o.schema}.${o.table}`, { schema: o.schema, table: o.table });
      else if (o.action === 'drop-schema') schemas.add(o.schema);
      what.push(`${o.action} ${o.name}`);
    }
  }
  if (schemas.size > 0) for (const t of await listUserTables(db)) if (schemas.has(t.schema)) keys.set(`${t.schema}.${t.table}`, t);
  const tables = [...keys.values()];
  return { known: true, tables, destroys: plan.atRisk.rows > 0, summary: what.length > 0 ? what.join(', ') : 'nothing' };
}

export interface SafetyOptions {
  mode: UndoBackupMode;
  plan: Plan;
  /** The run's lock session (restore point, archiver status). */
  db: Db;
  /** Names the restore point (the run's audit id). */
  runId: string;
  /** How long the restore point's segment may take to reach the archive (default 60 s). */
  archiveTimeoutMs?: number;
  onStep: (line: string) => void;
  onProgress?: ProgressListener | undefined;
  /** Called as soon as a backup id exists, before it is complete (the journal records it). */
  onBackup?: (id: string) => void;
}

export async function takeSafetyBackup(source: BackupSource, options: SafetyOptions): Promise<SafetyBackup> {
  const { mode, plan, onStep: log } = options;
  const label = `before undo to ${plan.targetHead ?? '(empty)'}`;
  const whole = async (reason: string): Promise<SafetyBackup> => {
    const b = await backup(source, { label, onProgress: options.onProgress, onStep: log, onDumpStart: options.onBackup });
    return { mode, taken: 'full', reason, backup: b, restorePoint: null, tables: [], covered: [] };
  };
  const partial = async (scope: Extract<AtRiskScope, { known: true }>, reason: string): Promise<BackupResult> =>
    backup(source, { label, partial: { tables: scope.tables, reason }, onProgress: options.onProgress, onStep: log, onDumpStart: options.onBackup });

  if (mode === 'never') {
    log('WARNING: --backup never: NO backup is taken before the downs; if they go wrong, only an older backup or the WAL archive can bring the data back');
    return { mode, taken: 'none', reason: '--backup never was given explicitly: no backup', backup: null, restorePoint: null, tables: [], covered: [] };
  }
  if (mode === 'full') return whole('--backup full: the whole database');
  const scope = await atRiskScope(options.db, plan);
  if (mode === 'tables') {
    if (!scope.known) return whole(`--backup tables, but ${scope.why}: the whole database instead`);
    const reason = `--backup tables: ${destroyed(scope)}`;
    const b = await partial(scope, reason);
    return { mode, taken: 'tables', reason, backup: b, restorePoint: null, tables: b.manifest.partial?.tables ?? [], covered: scope.tables };
  }
  // auto: the WAL archive covers everything when it is healthy; the tables backup makes destroyed rows quick to bring back.
  const archive = await archiveCovers(source, options);
  if (archive.covers) {
    const point = archive.point;
    const destroys = !scope.known || scope.destroys;
    if (!destroys) return { mode, taken: 'restore-point', reason: `auto: ${archive.why}; the downs destroy no live data, so no dump`, backup: null, restorePoint: point, tables: [], covered: scope.known ? scope.tables : [] };
    if (!scope.known) {
      const full = await whole(`auto: ${archive.why}, but ${scope.why}: the whole database too`);
      return { ...full, restorePoint: point };
    }
    const reason = `auto: ${archive.why}; and the rows the downs destroy (${scope.summary}) as a partial backup`;
    const b = await partial(scope, reason);
    return { mode, taken: 'restore-point+tables', reason, backup: b, restorePoint: point, tables: b.manifest.partial?.tables ?? [], covered: scope.tables };
  }
  if (!scope.known) return whole(`auto: ${archive.why}, and ${scope.why}: the whole database`);
  const reason = `auto: ${archive.why}; ${destroyed(scope)}`;
  const b = await partial(scope, reason);
  return { mode, taken: 'tables', reason, backup: b, restorePoint: null, tables: b.manifest.partial?.tables ?? [], covered: scope.tables };
}

/** What a tables backup holds, in words: the at-risk tables' rows, or — nothing at risk in a table — the schema alone (was: "the downs can destroy nothing: those tables"). */
function destroyed(scope: Extract<AtRiskScope, { known: true }>): string {
  if (scope.tables.length > 0) return `the downs can destroy ${scope.summary}: those tables`;
  return `the downs destroy no table's rows${scope.summary === 'nothing' ? '' : ` (${scope.summary})`}: the schema only`;
}

type ArchiveCover = { covers: true; point: SafetyRestorePoint; why: string } | { covers: false; why: string };

/** A restore point, switched out and archived, when a base backup and a healthy archive reach now. */
async function archiveCovers(source: BackupSource, options: SafetyOptions): Promise<ArchiveCover> {
  const settings = await walSettings(options.db);
  const unavailable = restorePointsUnavailable(settings);
  if (settings.archiveMode === 'off') return { covers: false, why: 'no WAL archive (archive_mode = off)' };
  if (unavailable !== null) return { covers: false, why: `no restore point can be made: ${unavailable}` };
  if (!settings.maySwitchWal) return { covers: false, why: 'this role may not call pg_switch_wal()' };
  const health = await archiveHealth(source.storage, { conn: source.conn });
  if (!health.ok || !health.pitrToNow.possible || health.pitrToNow.fromBackup === null) return { covers: false, why: `point-in-time recovery to now is not possible (${health.pitrToNow.reason})` };
  const point = await createRestorePoint(options.db, restorePointName('dbrollback:before-undo:', options.runId), { switchWal: true });
  try {
    const archivedInMs = await waitArchived(source.storage, options.db, point.walFile, { timeoutMs: options.archiveTimeoutMs ?? 60_000, signal: source.signal });
    const restorePoint = { name: point.name, lsn: point.lsn, time: point.time.toISOString(), walFile: point.walFile, baseBackupId: health.pitrToNow.fromBackup, archivedInMs };
    options.onStep(`restore point ${point.name} at ${point.lsn}; segment ${point.walFile} archived in ${archivedInMs} ms`);
    return { covers: true, point: restorePoint, why: `WAL archive healthy from base backup ${health.pitrToNow.fromBackup}, restore point ${point.name} archived` };
  } catch (err) {
    if (!isDbrollbackError(err) || err.code !== 'ARCHIVE_FAILING') throw err;
    options.onStep(`the restore point's segment was not archived: ${err.message}; backing up instead`);
    return { covers: false, why: `the restore point's WAL segment was not archived (${err.message})` };
  }
}
