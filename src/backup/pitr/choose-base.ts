/**
 * Which base backup a point-in-time restore starts from: the newest complete
 * one that finished before the target, on the path of timelines recovery
 * will follow. Starting from an older one works too but replays more WAL;
 * one that finished after the target cannot stop there (PostgreSQL refuses a
 * target before the backup's consistent point, or replays past it and fails
 * with "recovery ended before configured recovery target was reached"). So it
 * is checked here, before anything is written: a time against the backup's
 * stop time, an LSN or a restore point against its stop LSN (a point the
 * storage does not record is placed from the archived WAL first,
 * wal-restore-point.ts). One that could not be placed (an archiver whose WAL
 * is not read here): the oldest base backup on the path is then the one sure
 * to start before it.
 */
import { compareStrings } from '../../compare-strings.js';
import { DbrollbackError } from '../../errors.js';
import type { BaseInfo } from '../base/base-info.js';
import { formatLsn, parseLsn } from '../wal/layout.js';
import type { RecoveryTarget } from './target.js';
import { describePath, onPath, type TimelineStretch } from './timeline-path.js';

export interface BaseCandidate {
  id: string;
  createdAt: string;
  base: BaseInfo;
}

export interface ChosenBase extends BaseCandidate {
  startLsn: bigint;
  stopLsn: bigint;
}

export function chooseBase(candidates: readonly BaseCandidate[], target: RecoveryTarget, path: readonly TimelineStretch[], forcedId?: string): ChosenBase {
  const parsed = candidates.map(withLsns);
  if (parsed.length === 0) {
    throw new DbrollbackError('BACKUP_NOT_FOUND', 'there is no complete base backup in the storage: point-in-time restore starts from one', {
      hint: 'Take one with `dbrollback base-backup` (with archive_command set to what `dbrollback archive-command` prints), then restore to a time after it.',
    });
  }
  const newestFirst = [...parsed].sort((a, b) => (a.stopLsn === b.stopLsn ? compareStrings(b.createdAt, a.createdAt) : a.stopLsn < b.stopLsn ? 1 : -1));
  const usable = (c: ChosenBase) => onPath(path, c.base.timeline, c.startLsn) && finishedBefore(c, target);
  const newestUsable = newestFirst.find(usable);
  if (forcedId !== undefined) {
    const forced = parsed.find((c) => c.id === forcedId);
    if (!forced) {
      throw new DbrollbackError('BACKUP_NOT_FOUND', `base backup "${forcedId}" does not exist`, { hint: 'List base backups with `dbrollback backups` (kind "base").' });
    }
    if (!onPath(path, forced.base.timeline, forced.startLsn)) {
      throw new DbrollbackError('BACKUP_NOT_FOUND', `base backup ${forced.id} (timeline ${forced.base.timeline}, ${forced.base.startLsn}) is not on the path recovery follows (${describePath(path)})`, {
        hint: 'Choose a base backup taken on that path, or leave --backup out to pick one automatically.',
      });
    }
    if (!finishedBefore(forced, target)) throw forcedTooLate(forced, target, newestUsable);
    return forced;
  }
  // Unplaceable restore point: the oldest on the path starts before any point made after it.
  const chosen = target.kind === 'name' && !target.at ? newestFirst.filter(usable).at(-1) : newestUsable;
  if (chosen) return chosen;
  const onTimeline = newestFirst.filter((c) => onPath(path, c.base.timeline, c.startLsn));
  if (onTimeline.length === 0) {
    throw new DbrollbackError('BACKUP_NOT_FOUND', `no base backup is on the path recovery follows (${describePath(path)}); ${parsed.length} base backup(s) are on other timelines`, {
      hint: 'Take a base backup on the current timeline with `dbrollback base-backup`.',
    });
  }
  throw noneUsable(onTimeline, target);
}

function withLsns(c: BaseCandidate): ChosenBase {
  try {
    return { ...c, startLsn: parseLsn(c.base.startLsn), stopLsn: parseLsn(c.base.stopLsn) };
  } catch {
    throw new DbrollbackError('BACKUP_INCOMPLETE', `base backup ${c.id} has an invalid manifest (start/stop LSN)`, { hint: 'Take a new base backup with `dbrollback base-backup`.' });
  }
}

function finishedBefore(c: ChosenBase, target: RecoveryTarget): boolean {
  if (target.kind === 'time') return new Date(c.base.stopTime).getTime() <= target.time.getTime();
  if (target.kind === 'lsn') return c.stopLsn <= target.lsn;
  // An earlier point of the same name does not matter: recovery then targets this one's LSN.
  if (target.kind === 'name' && target.at) return c.stopLsn <= target.at.lsn;
  // A restore point the storage does not record, or the end of the archive: any base backup can reach it.
  return true;
}

/** Where the target lies, in the terms the base backups are compared in. */
function targetPosition(target: RecoveryTarget): string {
  if (target.kind === 'name' && target.at) return `${target.display} (at ${formatLsn(target.at.lsn)})`;
  return target.display;
}

function ends(c: ChosenBase, target: RecoveryTarget): string {
  return target.kind === 'time' ? `finished at ${c.base.stopTime}` : `ends at ${formatLsn(c.stopLsn)}, started at ${formatLsn(c.startLsn)}`;
}

function noneUsable(onPath: readonly ChosenBase[], target: RecoveryTarget): DbrollbackError {
  const oldest = onPath[onPath.length - 1]!;
  return new DbrollbackError('BACKUP_NOT_FOUND', `no base backup ends before ${targetPosition(target)}: the oldest on the timeline path, ${oldest.id}, ${ends(oldest, target)}. Nothing was written`, {
    hint: 'A point-in-time restore can only reach a moment after a base backup ended. Choose a later target, or restore a logical backup with `dbrollback restore --backup ID` (`dbrollback backups` lists them).',
    details: { newestUsableBaseBackup: null },
  });
}

function forcedTooLate(forced: ChosenBase, target: RecoveryTarget, newestUsable: ChosenBase | undefined): DbrollbackError {
  return new DbrollbackError('BACKUP_NOT_FOUND', `base backup ${forced.id} ${ends(forced, target)}: it does not end before ${targetPosition(target)}, so recovery from it cannot stop there. Nothing was written`, {
    hint: newestUsable
      ? `The newest base backup that ends before it is ${newestUsable.id} (${ends(newestUsable, target)}): pass --backup ${newestUsable.id}, or leave --backup out to pick it.`
      : 'No base backup ends before it: choose a later target, or restore a logical backup with `dbrollback restore --backup ID`.',
    details: { newestUsableBaseBackup: newestUsable?.id ?? null },
  });
}
