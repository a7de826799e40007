/**
 * The logical backups a whole-database restore can start from, as `plan`
 * suggests them and `restore --before-migration X --backup auto` picks them:
 * complete, whole (not partial), of the configured database (one storage may
 * hold several databases' backups), and taken at a given migration head.
 */
import { isBackupOf, listBackups, type BackupListing } from '../backup/catalog.js';
import type { Storage } from '../storage/contract.js';
import type { MigrationInfo } from '../tools/contract.js';

/** Complete whole logical backups in the storage, of every database, newest first. */
export async function wholeBackups(storage: Storage): Promise<BackupListing[]> {
  return (await listBackups(storage)).filter((b) => b.status === 'complete' && b.kind === 'logical' && !b.partial);
}

/** Complete whole logical backups of `database`, newest first. */
export async function wholeBackupsOf(storage: Storage, database: string): Promise<BackupListing[]> {
  return (await wholeBackups(storage)).filter((b) => isBackupOf(b, database));
}

/**
 * Whether a backup was taken with `head` as the migration head: its recorded head (a backup that recorded none —
 * no tool configured, no history table that names it — is at an unknown head, not at "no migration"), else the
 * version its tool's table identified the head by (golang-migrate, dbmate), among the migration's tags.
 */
export function takenAt(b: BackupListing, head: MigrationInfo | null, migrator: string): boolean {
  if (b.migrator !== null) return b.migrationHead === (head?.name ?? null);
  const version = b.migrationHeadVersion;
  return version !== undefined && head !== null && version.migrator === migrator && (head.tags ?? []).includes(version.version);
}

/**
 * The newest of `backups` (newest first) taken before `oldest` ran: by time where the tool records when it
 * applied it; else (Drizzle records none) by the head the backup recorded — the empty history, or a migration
 * applied before `oldest`. A backup of another tool's history is never one.
 */
export function backupBefore(backups: readonly BackupListing[], migrator: string, oldest: MigrationInfo, applied: readonly MigrationInfo[]): BackupListing | undefined {
  if (oldest.appliedAt) return backups.find((b) => new Date(b.createdAt) < oldest.appliedAt!);
  const order = new Map(applied.map((m, i) => [m.name, i]));
  const oldestAt = order.get(oldest.name);
  if (oldestAt === undefined) return undefined;
  return backups.find((b) => b.migrator === migrator && (b.migrationHead === null || (order.get(b.migrationHead) ?? Number.POSITIVE_INFINITY) < oldestAt));
}

/** What restoring a backup at an older head leaves to do: ` (it holds the database at head H: apply … with dbrollback migrate --to TARGET)`. */
export function reapplyNote(head: string | null, target: string): string {
  return ` (it holds the database at head ${head ?? 'an empty history'}: apply the migrations after it again with dbrollback migrate --to ${target})`;
}
