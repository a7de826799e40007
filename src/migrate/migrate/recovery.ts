/**
 * Recovery to the moment before `migrate` must be possible before anything
 * is applied: `always` takes a logical backup; `auto` relies on the WAL
 * archive when it is healthy and a base backup reaches now (the restore
 * points then land exactly before each migration), else takes a logical
 * backup — and says so when the archive is failing now (restore points
 * would be worthless), or when the role may not call pg_switch_wal (the WAL
 * holding the state before the run then reaches the archive only when its
 * segment is full or archive_timeout passes); `never` takes none (recorded,
 * never silent), and is refused while the server's archiving is failing.
 */
import { backup, type BackupSource } from '../../backup/backup.js';
import type { Archiver } from '../../backup/archivers/contract.js';
import { archiverHealth } from '../../backup/archivers/health.js';
import { archiveHealth } from '../../backup/wal/archive-health.js';
import type { ProgressListener } from '../../progress.js';
import { withDb } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import { archiverStatus, archivingProblem } from '../../backup/wal/archiver-status.js';

export type BackupMode = 'always' | 'auto' | 'never';
export const BACKUP_MODES: readonly BackupMode[] = ['always', 'auto', 'never'];

export interface Recovery {
  /** How the state before the run can be brought back. */
  via: 'wal-archive' | 'logical-backup' | 'none';
  backupId: string | null;
  /** The base backup PITR would start from (via wal-archive). */
  baseBackupId: string | null;
  detail: string;
}

export async function ensureRecovery(source: BackupSource & { readonly archiver?: Archiver }, mode: BackupMode, options: { label: string; onStep?: (line: string) => void; onProgress?: ProgressListener; /** false: the role may not call pg_switch_wal on an archiving server. */ mayForceArchive?: boolean }): Promise<Recovery> {
  if (mode === 'never') {
    // With no backup the restore points are the only way back, and they are only as good as the archive behind them.
    const status = await withDb(source.conn, archiverStatus);
    const problem = status.archiveMode === 'off' ? null : archivingProblem(status);
    if (problem !== null) {
      throw new DbrollbackError('REFUSED', `migrate --backup never relies on restore points alone, and the WAL archive behind them is failing: ${problem}`, {
        hint: `Nothing was applied. Fix archiving (the server log's "archive command failed" lines say why), or run with --backup auto (a logical backup is taken while the archive fails) or --backup always.`,
        details: { archiver: status },
      });
    }
    return { via: 'none', backupId: null, baseBackupId: null, detail: 'no backup: --backup never was given explicitly' };
  }
  let why = '--backup always';
  if (mode === 'auto') {
    // Whoever archives (dbrollback's wal-push, pgBackRest, Barman Cloud), the restore points are WAL records in that archive.
    const external = source.archiver && source.archiver.kind !== 'dbrollback' ? source.archiver : undefined;
    const health = external ? await archiverHealth(external, { conn: source.conn }) : await archiveHealth(source.storage, { conn: source.conn });
    const pitrNow = health.ok && health.pitrToNow.possible;
    if (pitrNow && options.mayForceArchive !== false) {
      return { via: 'wal-archive', backupId: null, baseBackupId: health.pitrToNow.fromBackup, detail: `WAL archive healthy, base backup ${health.pitrToNow.fromBackup} reaches now: no logical backup needed` };
    }
    if (pitrNow) {
      // The WAL just before the first migration sits in the segment being written: without pg_switch_wal it is archived
      // only when full or after archive_timeout, and no point-in-time restore reaches that moment before then.
      why = `the WAL archive is healthy (base backup ${health.pitrToNow.fromBackup}), but this role may not call pg_switch_wal(), so the WAL holding the state before the run reaches the archive only when its segment is full or archive_timeout passes (as a superuser: GRANT EXECUTE ON FUNCTION pg_switch_wal() TO the role)`;
      options.onStep?.(`recovery: ${why}; taking a logical backup as well`);
    } else if (health.server?.failingNow) {
      why = `no working WAL archive, so restore points would be worthless — ${health.server.problem}`;
      options.onStep?.(`recovery: ${why}; taking a logical backup instead`);
    } else why = `point-in-time recovery to now is not possible: ${health.pitrToNow.reason}`;
  }
  const taken = await backup(source, { label: options.label, onStep: options.onStep, onProgress: options.onProgress });
  return { via: 'logical-backup', backupId: taken.manifest.id, baseBackupId: null, detail: `logical backup ${taken.manifest.id} (${why}), sha256 verified: ${taken.manifest.verified}` };
}
