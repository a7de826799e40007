/** backup and backups: the contract's JSON and the text for people. */
import type { BackupListing, BackupManifest } from '../../index.js';
import { formatBytes, table } from '../output.js';

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
    tableCount: m.tables.length,
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
    serverVersion: b.serverVersion,
    label: b.label,
    database: b.database,
    status: b.status,
    verified: b.verified,
    ...(b.problem ? { problem: b.problem } : {}),
  };
}

export function renderBackupList(list: BackupListing[], url: string): string {
  if (list.length === 0) return `no backups in ${url}`;
  const state = (b: BackupListing) => (b.status !== 'complete' ? `${b.status.toUpperCase()} (never used)` : b.verified ? 'verified' : 'not read back');
  return table(
    ['ID', 'CREATED', 'SIZE', 'HEAD', 'LABEL', 'STATE'],
    list.map((b) => [b.id, b.createdAt, b.sizeBytes === null ? '' : formatBytes(b.sizeBytes), b.migrationHead ?? '', b.label ?? '', state(b)]),
  );
}
