/**
 * Recovery to the moment before `migrate` must be possible before anything
 * is applied: `always` takes a logical backup; `auto` relies on a healthy WAL
 * archive with a base backup where that can be checked, else takes a logical
 * backup; `never` takes none (recorded, never silent).
 *
 * The WAL archive health check (issue #11, branch wal) is not in this build
 * yet, so `auto` takes the logical backup.
 */
import { backup, type BackupSource } from '../../backup/backup.js';
import type { ProgressListener } from '../../progress.js';

export type BackupMode = 'always' | 'auto' | 'never';
export const BACKUP_MODES: readonly BackupMode[] = ['always', 'auto', 'never'];

export interface Recovery {
  /** How the state before the run can be brought back. */
  via: 'logical-backup' | 'none';
  backupId: string | null;
  detail: string;
}

export async function ensureRecovery(source: BackupSource, mode: BackupMode, options: { label: string; onStep?: (line: string) => void; onProgress?: ProgressListener }): Promise<Recovery> {
  if (mode === 'never') return { via: 'none', backupId: null, detail: 'no backup: --backup never was given explicitly' };
  const taken = await backup(source, { label: options.label, onStep: options.onStep, onProgress: options.onProgress });
  const why = mode === 'always' ? '--backup always' : 'WAL archive health cannot be checked by this build';
  return { via: 'logical-backup', backupId: taken.manifest.id, detail: `logical backup ${taken.manifest.id} (${why}), sha256 verified: ${taken.manifest.verified}` };
}
