/** backup, base-backup and backups: the contract's JSON and the text for people. */
import type { ArchiveHealth, ArchiverHealth, BackupListing, BackupManifest, OneStepRun } from '../../index.js';
import { formatBytes, table, type CommandResult } from '../output.js';

/**
 * A backup run (logical or base) as the command's result: stdout carries only the id, so
 * `id=$(dbrollback backup)` works (details went to stderr); JSON has the backup, or the steps and the error.
 */
export function backupRunResult(report: OneStepRun<{ manifest: BackupManifest }>, storage: string): CommandResult {
  if (!report.result) return { json: { ok: false, steps: report.steps, auditKey: report.auditKey, error: report.error?.toJSON() }, human: '', error: report.error };
  const m = report.result.manifest;
  return { json: { ok: true, backup: { ...backupJson(m, storage), ...(m.base ? { base: m.base } : {}) }, auditKey: report.auditKey }, human: m.id };
}

export function backupJson(m: BackupManifest, storage: string) {
  return {
    id: m.id,
    kind: m.kind,
    createdAt: m.createdAt,
    sizeBytes: m.sizeBytes,
    sha256: m.sha256,
    migrationHead: m.migrationHead,
    serverVersion: m.serverVersion,
    label: m.label,
    database: m.database,
    verified: m.verified,
    pgDumpVersion: m.pgDumpVersion,
    migrator: m.migrator,
    ...(m.migrationHeadNote ? { migrationHeadNote: m.migrationHeadNote } : {}),
    ...(m.migrationHeadVersion ? { migrationHeadVersion: m.migrationHeadVersion } : {}),
    tableCount: m.tables.length,
    partial: m.partial ?? null,
    objects: m.objects,
    storage,
    durationMs: m.durationMs ?? null,
  };
}

export function listingJson(b: BackupListing) {
  return {
    id: b.id,
    kind: b.kind,
    createdAt: b.createdAt,
    sizeBytes: b.sizeBytes,
    sha256: b.sha256,
    migrationHead: b.migrationHead,
    ...(b.migrationHeadVersion ? { migrationHeadVersion: b.migrationHeadVersion } : {}),
    serverVersion: b.serverVersion,
    label: b.label,
    database: b.database,
    status: b.status,
    verified: b.verified,
    /** null: a whole backup; else the tables whose rows it holds (with the whole schema). */
    partial: b.partial ? { tables: b.partial.tables, schema: b.partial.schema, reason: b.partial.reason } : null,
    ...(b.problem ? { problem: b.problem } : {}),
  };
}

export function renderBackupList(list: BackupListing[], url: string): string {
  if (list.length === 0) return `no backups in ${url}`;
  const state = (b: BackupListing) => (b.status !== 'complete' ? `${b.status.toUpperCase()} (never used)` : b.verified ? 'verified' : 'not read back');
  return table(
    ['ID', 'KIND', 'CREATED', 'DATABASE', 'SIZE', 'HEAD', 'COVERS', 'LABEL', 'STATE'],
    list.map((b) => [b.id, b.kind, b.createdAt, b.database ?? '', b.sizeBytes === null ? '' : formatBytes(b.sizeBytes), b.migrationHead ?? (b.migrationHeadVersion ? `version ${b.migrationHeadVersion.version} (${b.migrationHeadVersion.migrator})` : ''), covers(b), b.label ?? '', state(b)]),
  );
}

export function renderHealth(h: ArchiveHealth, url: string): string {
  const lines = [`WAL archive in ${url}`];
  if (h.timelines.length === 0) lines.push('  no archived WAL');
  for (const t of h.timelines) {
    const gaps = t.gaps.length === 0 ? 'no gaps' : `GAPS: ${t.gaps.map((g) => (g.count === 1 ? g.from : `${g.from}…${g.to} (${g.count})`)).join(', ')}`;
    lines.push(`  timeline ${t.timeline}: ${t.segments} segment(s) ${t.first ?? ''}…${t.last ?? ''}, ${gaps}${t.history ? '' : ', HISTORY FILE MISSING'}`);
  }
  if (h.newest) lines.push(`  newest segment: ${h.newest.name}, archived ${h.newest.archivedAt} (${formatAge(h.newest.ageSeconds)} ago)`);
  if (h.server) {
    lines.push(`  server: writing ${h.server.currentWal}; last archived ${h.server.lastArchivedWal ?? 'none'}${h.server.lastFailedWal ? `; last FAILED ${h.server.lastFailedWal} at ${h.server.lastFailedAt} (${h.server.failedCount} failures)` : ''}`);
    if (h.server.failingNow) lines.push(`  ARCHIVING IS FAILING NOW: ${h.server.problem}`, ...(h.server.logLines ?? []).map((l) => `    ${l}`));
  }
  lines.push('', h.baseBackups.length === 0 ? 'no base backups' : 'base backups:');
  for (const b of h.baseBackups) {
    const state = !b.restorable ? 'NOT RESTORABLE' : b.reachesNow ? 'restorable, reaches now' : `restorable to ${b.reachesSegment}`;
    lines.push(`  ${b.id}  timeline ${b.timeline}  ${b.startWal}…${b.stopWal}  ${state}${b.problem ? ` (${b.problem})` : ''}`);
  }
  lines.push('', `point-in-time restore to now: ${h.pitrToNow.possible ? 'POSSIBLE' : 'NOT POSSIBLE'} — ${h.pitrToNow.reason}`);
  return lines.join('\n');
}

/** `backups --check` for an archive another tool keeps: its listing, the server's archiver, the verdict. */
export function renderArchiverHealth(h: ArchiverHealth): string {
  const lines = [h.location];
  lines.push(h.wal ? `  WAL held: ${h.wal.min}…${h.wal.max}` : '  WAL held: not listed by the tool');
  if (h.server) {
    lines.push(`  server: writing ${h.server.currentWal}; last archived ${h.server.lastArchivedWal ?? 'none'}${h.server.lastFailedWal ? `; last FAILED ${h.server.lastFailedWal} at ${h.server.lastFailedAt} (${h.server.failedCount} failures)` : ''}`);
    if (h.server.failingNow) lines.push(`  ARCHIVING IS FAILING NOW: ${h.server.problem}`, ...(h.server.logLines ?? []).map((l) => `    ${l}`));
  }
  lines.push('', h.backups.length === 0 ? 'no base backups' : 'base backups (oldest first):');
  for (const b of h.backups) lines.push(`  ${b.id}  timeline ${b.timeline}  ${b.startWal}…${b.stopWal}  finished ${b.stopTime}`);
  lines.push('', `point-in-time restore to now: ${h.pitrToNow.possible ? 'POSSIBLE' : 'NOT POSSIBLE'} — ${h.pitrToNow.reason}`);
  return lines.join('\n');
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/** What a backup brings back: everything, or (partial) the rows of its tables and the schema. */
function covers(b: BackupListing): string {
  if (b.kind === 'base') return 'whole cluster';
  if (!b.partial) return 'whole database';
  return `partial: rows of ${b.partial.tables.join(', ') || 'no table'} + schema`;
}
