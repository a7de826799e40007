/**
 * How far a logical backup lies from "just before migration X's latest
 * application". The only backup known to be exactly there is the one the
 * `migrate` run that applied X took right before it (its audit record names
 * it). Any other candidate is older: the runs recorded between it and X's
 * application (an undo of X, an earlier application, other migrations) and
 * whatever the application wrote meanwhile are not in it. This says how old,
 * which runs lie between, and whether the point-in-time route reaches the
 * exact moment instead.
 */
import { listHistory, type AuditRecord } from '../../audit/audit-trail.js';
import type { BackupListing } from '../../backup/catalog.js';
import type { RestorePointRecord } from '../../backup/restore-points.js';
import type { Storage } from '../../storage/contract.js';

export interface BackupGap {
  /** The backup was taken by the run that applied the migration, right before it. */
  exact: boolean;
  /** When the latest application happened (its restore point, else the tool's applied-at), or null when unknown. */
  appliedAt: string | null;
  /** Milliseconds between the backup and that moment. */
  ageMs: number | null;
  /** The `migrate` run (its audit id) that made the latest application; null when the tool made it, or it is not known. */
  appliedByRun: string | null;
  /** The recorded runs between the backup and the latest application, oldest first ("undo 2026… undid 003_x"). */
  between: string[];
}

interface MigrateExtra {
  migrations?: Array<{ name: string; status: string; restorePoint?: { time: string } | null }>;
  recovery?: { backupId?: string | null } | null;
}

/** Where `backup` lies from the latest application of `migration` (its applied-at per the tool, refined by the audit trail). */
export async function backupGap(storage: Storage, backup: Pick<BackupListing, 'id' | 'createdAt'>, migration: string, toolAppliedAt: Date | null, database: string): Promise<BackupGap> {
  const records = (await listHistory(storage))
    .flatMap((e) => (e.record ? [e.record] : []))
    .filter((r) => sameDatabase(r.database, database))
    .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  const appliedBy = latestApplication(records, migration, toolAppliedAt);
  const pointTime = appliedBy ? ((appliedBy.extra as MigrateExtra | undefined)?.migrations?.find((m) => m.name === migration)?.restorePoint?.time ?? null) : null;
  const appliedAt = pointTime ?? toolAppliedAt?.toISOString() ?? appliedBy?.startedAt ?? null;
  const exact = appliedBy !== undefined && (appliedBy.extra as MigrateExtra | undefined)?.recovery?.backupId === backup.id;
  const until = appliedBy?.startedAt ?? appliedAt;
  const between = exact
    ? []
    : records.filter((r) => r.command !== 'backup' && r.command !== 'base-backup' && r.startedAt > backup.createdAt && (until === null || r.startedAt < until)).map(describeRun);
  return { exact, appliedAt, appliedByRun: appliedBy?.id ?? null, ageMs: appliedAt === null ? null : Math.max(0, Date.parse(appliedAt) - Date.parse(backup.createdAt)), between };
}

/** The warnings for a backup that is not the exact one (none when it is). */
/** The restore point before the migration's latest application (null: none marks it), and whether a point-in-time restore reaches it, or why not. */
export interface PitrRoute {
  point: RestorePointRecord | null;
  reaches: boolean;
  why: string | null;
}

export function gapWarnings(gap: BackupGap, backupId: string, migration: string, pitr: PitrRoute): string[] {
  if (gap.exact) return [];
  const age = gap.ageMs === null ? 'at an unknown time' : `${formatAge(gap.ageMs)} before it`;
  const lines = [
    `backup ${backupId} is older than the state just before ${migration}'s latest application${gap.appliedAt ? ` (${gap.appliedAt})` : ''}: it was taken ${age}, and no backup was taken right before that application. ` +
      'Whatever was written in between is not in it' +
      (gap.between.length > 0 ? `; the runs recorded in between: ${gap.between.join('; ')}.` : '.'),
  ];
  if (pitr.point && pitr.reaches) {
    lines.push(`the WAL archive reaches the exact moment (restore point ${pitr.point.name} at ${pitr.point.lsn}): dbrollback restore --before-migration ${migration} --data-dir DIR, or only the damaged tables: dbrollback restore --before-migration ${migration} --tables SCHEMA.TABLE,... --into-database URL.`);
  } else if (pitr.point) {
    lines.push(`a restore point marks the exact moment (${pitr.point.name} at ${pitr.point.lsn}), but the point-in-time route cannot reach it: ${pitr.why ?? 'no base backup in the storage ended before it'}.`);
  }
  return lines;
}

/** Clocks differ: the tool's applied-at is the server's, the audit record's times are dbrollback's host's. */
const CLOCK_SLACK_MS = 5_000;

/**
 * The migrate run that made the migration's latest application, or undefined when the tool applied it
 * (no run of ours covers the tool's applied-at) or the run's application was undone since.
 */
function latestApplication(records: readonly AuditRecord[], migration: string, toolAppliedAt: Date | null): AuditRecord | undefined {
  const at = toolAppliedAt?.getTime();
  const run = records
    .filter((r) => r.command === 'migrate' && appliedIn(r, migration))
    .filter((r) => at === undefined || (Date.parse(r.startedAt) - CLOCK_SLACK_MS <= at && at <= Date.parse(r.finishedAt) + CLOCK_SLACK_MS))
    .at(-1);
  if (!run) return undefined;
  const undoneSince = records.some((r) => r.command === 'undo' && r.startedAt > run.startedAt && (r.undone ?? []).includes(migration));
  return undoneSince ? undefined : run;
}

function appliedIn(record: AuditRecord, migration: string): boolean {
  return (record.extra as MigrateExtra | undefined)?.migrations?.some((m) => m.name === migration && m.status === 'applied') ?? false;
}

function describeRun(r: AuditRecord): string {
  const extra = r.extra as MigrateExtra | undefined;
  const what =
    r.command === 'undo'
      ? `undid ${r.undone?.length ? r.undone.join(', ') : 'nothing'}`
      : r.command === 'migrate'
        ? `applied ${extra?.migrations?.filter((m) => m.status === 'applied').map((m) => m.name).join(', ') || 'nothing'}`
        : r.outcome;
  return `${r.command} ${r.id} at ${r.startedAt} (${what}, ${r.outcome})`;
}

/** Audit records name the database as user@host:port/db; the target is matched by its database name. */
function sameDatabase(described: string, database: string): boolean {
  return described.endsWith(`/${database}`);
}

export function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}
