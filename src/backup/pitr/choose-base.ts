/**
 * Which base backup a point-in-time restore starts from: the newest complete
 * one that finished before the target, on the path of timelines recovery
 * will follow. Starting from an older one works too but replays more WAL;
 * one that finished after the target cannot stop there (PostgreSQL refuses a
 * target before the backup's consistent point).
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
      hint: 'Take one with `dbrollback base-backup` (with archive_command set to `dbrollback wal-push %p`), then restore to a time after it.',
    });
  }
  const newestFirst = [...parsed].sort((a, b) => (a.stopLsn === b.stopLsn ? compareStrings(b.createdAt, a.createdAt) : a.stopLsn < b.stopLsn ? 1 : -1));
  const usable = (c: ChosenBase) => onPath(path, c.base.timeline, c.startLsn) && finishedBefore(c, target);
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
    if (!finishedBefore(forced, target)) throw tooLate(forced, target);
    return forced;
  }
  const chosen = newestFirst.find(usable);
  if (chosen) return chosen;
  const onTimeline = newestFirst.filter((c) => onPath(path, c.base.timeline, c.startLsn));
  if (onTimeline.length === 0) {
    throw new DbrollbackError('BACKUP_NOT_FOUND', `no base backup is on the path recovery follows (${describePath(path)}); ${parsed.length} base backup(s) are on other timelines`, {
      hint: 'Take a base backup on the current timeline with `dbrollback base-backup`.',
    });
  }
  throw tooLate(onTimeline[onTimeline.length - 1]!, target);
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
  // Where a restore point lies is only known by reading the WAL; the newest base backup is the best first guess.
  return true;
}

function tooLate(oldest: ChosenBase, target: RecoveryTarget): DbrollbackError {
  const finished = target.kind === 'time' ? `finished at ${oldest.base.stopTime}` : `ends at ${formatLsn(oldest.stopLsn)}`;
  return new DbrollbackError('BACKUP_NOT_FOUND', `${target.display} is before the oldest usable base backup (${oldest.id}, which ${finished}): there is nothing to recover from`, {
    hint: 'A point-in-time restore can only reach times after a base backup finished. Choose a later target, or restore a logical backup with `dbrollback restore --backup ID`.',
  });
}
