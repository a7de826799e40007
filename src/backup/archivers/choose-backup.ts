/**
 * choose-base for an archive another tool keeps: the same rule as for
 * dbrollback's own (the newest backup that finished before the target), over
 * the backups that tool lists. The tool follows the newest timeline itself
 * (recovery_target_timeline = latest), so every listed backup is taken to be
 * on the path.
 */
import { DbrollbackError, isDbrollbackError } from '../../errors.js';
import { chooseBase, type BaseCandidate } from '../pitr/choose-base.js';
import type { RecoveryTarget } from '../pitr/target.js';
import { DEFAULT_SEGMENT_SIZE } from '../wal/layout.js';
import type { ArchiveBackup } from './contract.js';

export function chooseArchiveBackup(backups: readonly ArchiveBackup[], target: RecoveryTarget, forcedId: string | undefined, howToTakeOne: string): ArchiveBackup {
  const candidates: BaseCandidate[] = backups.map((b) => ({
    id: b.id,
    createdAt: b.stopTime,
    base: { timeline: b.timeline, startLsn: b.startLsn, stopLsn: b.stopLsn, startWal: b.startWal, stopWal: b.stopWal, startTime: b.startTime, stopTime: b.stopTime, systemIdentifier: null, walSegmentSize: DEFAULT_SEGMENT_SIZE, tablespaces: [], backupManifestInTar: false },
  }));
  const path = [...new Set(backups.map((b) => b.timeline))].map((timeline) => ({ timeline, begin: 0n, end: null }));
  try {
    const chosen = chooseBase(candidates, target, path, forcedId === 'latest' ? undefined : forcedId);
    return backups.find((b) => b.id === chosen.id)!;
  } catch (err) {
    // chooseBase's hints name dbrollback's own commands: this archive is the other tool's.
    if (isDbrollbackError(err) && err.code === 'BACKUP_NOT_FOUND') {
      throw new DbrollbackError('BACKUP_NOT_FOUND', err.message.replace('in the storage', 'in the archive'), { hint: `${howToTakeOne} Nothing was written.`, cause: err });
    }
    throw err;
  }
}
