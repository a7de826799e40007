/**
 * "Just before migration NAME" as a recovery target, from the best evidence
 * there is:
 *   1. the restore point `migrate` made and recorded (exact);
 *   2. else the tool's applied-at time (approximate: migrations applied in
 *      one run share one timestamp — the warning names them — and some tools
 *      store it without a time zone: the tool's `appliedAtNote` says so);
 *   3. for a logical restore (`--backup auto`), the newest logical backup whose
 *      migration head is the migration applied just before NAME, taken before
 *      NAME's latest application. Unless it is the backup the `migrate` run
 *      that made that application took, it is older than the state asked for:
 *      the warnings say how old, which runs lie between (backup-gap.ts), and
 *      whether the point-in-time route reaches the exact moment.
 */
import { isBackupOf, type BackupListing } from '../../backup/catalog.js';
import { backupBefore, reapplyNote, takenAt, wholeBackups } from '../backup-at-head.js';
import { pointReach } from '../../backup/pitr/point-reach.js';
import { restorePointBefore, type RestorePointRecord } from '../../backup/restore-points.js';
import { backupGap, gapWarnings, type BackupGap, type PitrRoute } from './backup-gap.js';
import { text } from 'node:stream/consumers';
import { auditKey } from '../../audit/audit-trail.js';
import { DbrollbackError } from '../../errors.js';
import type { Storage } from '../../storage/contract.js';
import type { MigrationInfo, MigrationStatus } from '../../tools/contract.js';
import { findNamedMigration } from '../../tools/named-migration.js';
import { toolOf } from '../../tools/registry.js';

export type BeforeMigrationTarget =
  | { kind: 'restore-point'; migration: string; point: RestorePointRecord; warnings: string[] }
  | { kind: 'applied-at'; migration: string; time: string; sharedWith: string[]; warnings: string[] }
  | { kind: 'logical-backup'; migration: string; backupId: string; head: string | null; createdAt: string; gap: BackupGap; warnings: string[] };

export interface ResolveOptions {
  /** `pitr`: a restore point or a time; `backup`: a logical backup taken at the head before NAME. */
  via: 'pitr' | 'backup';
  /** The database name the records must belong to. */
  database: string;
}

export async function resolveBeforeMigration(storage: Storage, status: MigrationStatus, asked: string, options: ResolveOptions): Promise<BeforeMigrationTarget> {
  const migration = appliedMigration(status, asked);
  // From here on the migration's own name: the one its restore point and the history are recorded under.
  const name = migration.name;
  const index = status.applied.findIndex((m) => m.name === name);
  const previous = index > 0 ? status.applied[index - 1]! : null;
  if (options.via === 'backup') return logicalBackupBefore(storage, migration, previous, status, options.database);

  const recorded = await restorePointBefore(storage, name, options.database);
  // A point made before an earlier application (undone, then applied again by the tool itself) is not "just before" the latest one.
  const stale = recorded !== null && (await pointPredatesApplication(storage, recorded, migration.appliedAt));
  const point = stale ? null : recorded;
  if (point) return { kind: 'restore-point', migration: name, point, warnings: [] };
  const staleWarning = stale
    ? [`the restore point ${recorded!.name} recorded before ${name} (${recorded!.time}, LSN ${recorded!.lsn}) was made before an earlier application: ${status.migrator} records ${name} as applied again at ${migration.appliedAt!.toISOString()}, not by \`dbrollback migrate\`. Recovering to that point would land on an older state, so the applied-at time is used instead.`]
    : [];
  if (migration.appliedAt === null) {
    throw new DbrollbackError('MIGRATION_NOT_FOUND', `no restore point is recorded before ${name}, and ${status.migrator} records no time it was applied`, {
      hint: `Restore to a time or LSN you know instead (--point-in-time T or --lsn L with --data-dir DIR), or from a logical backup: dbrollback restore --before-migration ${name} --backup auto. Nothing was changed.`,
    });
  }
  const time = migration.appliedAt.toISOString();
  const appliedAtNote = toolOf(status.migrator)?.appliedAtNote;
  const sharedWith = status.applied.filter((m) => m.name !== name && m.appliedAt !== null && m.appliedAt.getTime() === migration.appliedAt!.getTime()).map((m) => m.name);
  const warnings = [
    ...staleWarning,
    `no restore point is recorded before ${name} (it was not applied by \`dbrollback migrate\`): recovering to the time ${status.migrator} recorded for it, ${time}. ` +
      'That is approximate: writes committed between that moment and the migration are lost too' +
      (appliedAtNote ? `, and ${appliedAtNote}` : '') + '.',
  ];
  if (sharedWith.length > 0) warnings.push(`${sharedWith.join(', ')} share that applied-at timestamp (one run applied them together): recovering to it also goes back before ${sharedWith.length === 1 ? 'it' : 'them'}.`);
  return { kind: 'applied-at', migration: name, time, sharedWith, warnings };
}

/** Clocks differ: applied-at is the server's, the audit record's times are dbrollback's host's. */
const CLOCK_SLACK_MS = 5_000;

/** The tool records an application later than the migrate run that made the point (its audit record), or later than a minute after the point. */
async function pointPredatesApplication(storage: Storage, point: RestorePointRecord, appliedAt: Date | null): Promise<boolean> {
  if (appliedAt === null) return false;
  let until = Date.parse(point.time) + 60_000;
  try {
    const record = JSON.parse(await text(await storage.get(auditKey({ id: point.runId })))) as { finishedAt?: string };
    if (typeof record.finishedAt === 'string') until = Date.parse(record.finishedAt);
  } catch {
    // No readable audit record of that run: the point's own time, with a minute for the migration to run.
  }
  return appliedAt.getTime() > until + CLOCK_SLACK_MS;
}

function appliedMigration(status: MigrationStatus, given: string): MigrationInfo {
  if (given.trim() === '') throw new DbrollbackError('USAGE', '--before-migration needs a migration name', { hint: 'Run `dbrollback status` for the applied migrations.' });
  // NAME by the rule every command shares (named-migration.ts): its name, its file, or a tag (a dbmate or golang-migrate
  // version, a Sqitch or Liquibase tag), as for plan and undo --to; an applied migration first.
  const named = findNamedMigration(given, { applied: status.applied, pending: status.migrations.filter((m) => !m.applied) }, 'applied');
  const name = named?.name ?? given;
  const known = named?.migration;
  if (!known) {
    throw new DbrollbackError('MIGRATION_NOT_FOUND', `--before-migration ${name}: ${status.migrator} knows no migration of that name`, {
      hint: 'Run `dbrollback status` for the applied migrations (by name as status lists them). Nothing was changed.',
    });
  }
  if (!known.applied) {
    throw new DbrollbackError('USAGE', `--before-migration ${name}: ${known.name === name ? 'it' : known.name} is not applied, so there is nothing to go back before`, {
      hint: 'Run `dbrollback status`: only applied migrations can be restored to. Nothing was changed.',
    });
  }
  return known;
}

async function logicalBackupBefore(storage: Storage, migration: MigrationInfo, previousMigration: MigrationInfo | null, status: MigrationStatus, database: string): Promise<BeforeMigrationTarget> {
  const migrator = status.migrator;
  const previous = previousMigration?.name ?? null;
  const appliedAt = migration.appliedAt?.toISOString() ?? null;
  // Newest first: the backup closest to the migration's latest application; only the configured database's.
  const whole = await wholeBackups(storage);
  const found = whole.find((b) => isBackupOf(b, database) && takenAt(b, previousMigration, migrator) && (appliedAt === null || b.createdAt <= appliedAt));
  if (!found) {
    const others = whole.filter((b) => !isBackupOf(b, database));
    const atHead = others.filter((b) => takenAt(b, previousMigration, migrator));
    // Another database's backup at that head is never taken for this one's: say so, rather than "none was taken".
    if (atHead.length > 0) {
      const of = [...new Set(atHead.map((b) => `"${b.database}"`))].join(', ');
      throw new DbrollbackError('BACKUP_NOT_FOUND', `no logical backup of database "${database}" was taken at ${previous ?? '(no migration)'}, the head just before ${migration.name}: the ${atHead.length === 1 ? 'one' : `${atHead.length}`} at that head in ${storage.url} ${atHead.length === 1 ? 'is' : 'are'} of database ${of} (${atHead.map((b) => b.id).join(', ')}), never used for "${database}" unless named`, {
        hint: `\`dbrollback backups\` lists the backups with their databases; check --database-url names the database you mean, or restore another database's backup on purpose with --backup ID (e.g. dbrollback restore --backup ${atHead[0]!.id} --target-database URL). Nothing was changed.`,
      });
    }
    throw new DbrollbackError('BACKUP_NOT_FOUND', `no logical backup was taken at ${previous ?? '(no migration)'}, the head just before ${migration.name}${appliedAt ? `, before its latest application (${appliedAt})` : ''}`, {
      hint: `${await waysWithoutBackup(storage, whole.filter((b) => isBackupOf(b, database)), status, migration, previous, database)} Nothing was changed.`,
    });
  }
  const gap = await backupGap(storage, found, migration.name, migration.appliedAt, database);
  const warnings = gap.exact ? [] : gapWarnings(gap, found.id, migration.name, await pitrRoute(storage, migration.name, database, gap));
  if (appliedAt === null && !gap.exact) warnings.unshift(`${migration.name} has no recorded applied-at time: backup ${found.id} is the newest at head ${previous ?? '(none)'}, whenever it was taken`);
  return { kind: 'logical-backup', migration: migration.name, backupId: found.id, head: previous, createdAt: found.createdAt, gap, warnings };
}

/**
 * What is left when no backup was taken at the head before `migration`: the newest backup taken before it ran (at
 * an older head: restoring it undoes the migrations after that head too, to be applied again), and the
 * point-in-time route only where the storage shows it can reach the moment before `migration`.
 */
async function waysWithoutBackup(storage: Storage, backups: readonly BackupListing[], status: MigrationStatus, migration: MigrationInfo, previous: string | null, database: string): Promise<string> {
  const ways: string[] = [];
  const earlier = backupBefore(backups, status.migrator, migration, status.applied);
  if (earlier) {
    const again = previous !== null && earlier.migrationHead !== previous ? reapplyNote(earlier.migrationHead, previous) : '';
    ways.push(`the newest backup taken before ${migration.name} ran is ${earlier.id}, taken ${earlier.createdAt}: dbrollback restore --backup ${earlier.id}${again}`);
  }
  const point = await restorePointBefore(storage, migration.name, database).catch(() => null);
  // Without a restore point the point-in-time route aims at the time the tool recorded; without that either, at nothing.
  const reach = point === null && migration.appliedAt === null ? null : await pointReach(storage, migration.name, point);
  if (reach?.reaches === true) ways.push(`a point-in-time restore needs no such backup: dbrollback restore --before-migration ${migration.name} --data-dir DIR`);
  else if (reach?.why) ways.push(`no point-in-time restore can reach the moment before ${migration.name} (${reach.why})`);
  return `\`dbrollback backups\` lists what there is${ways.length > 0 ? `; ${ways.join('; ')}` : ''}.`;
}

/** The restore point before the migration's latest application, and whether a point-in-time restore reaches it (point-reach.ts, as plan asks it). */
async function pitrRoute(storage: Storage, migration: string, database: string, gap: BackupGap): Promise<PitrRoute> {
  const point = await restorePointBefore(storage, migration, database);
  // Only the point the run that made the latest application recorded marks that moment (an earlier application's does not).
  if (!point || point.runId !== gap.appliedByRun) return { point: null, reaches: false, why: null };
  const reach = await pointReach(storage, migration, point);
  return { point, reaches: reach.reaches === true, why: reach.why };
}

/** The target for a run: the history through its adapter, the records in its storage. */
export async function beforeMigrationTarget(
  run: { readonly storage: Storage; readonly conn: { database: string }; adapter(): Promise<{ status(): Promise<MigrationStatus> }> },
  name: string,
  via: ResolveOptions['via'],
): Promise<BeforeMigrationTarget> {
  const status = await (await run.adapter()).status();
  return resolveBeforeMigration(run.storage, status, name, { via, database: run.conn.database });
}
