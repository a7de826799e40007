/**
 * Does the WAL archive hold every segment recovery will ask for, from the
 * base backup's first segment to the target? Checked before anything is
 * written: a gap found by PostgreSQL halfway through recovery ends it early
 * ("recovery ended before configured recovery target was reached") after
 * minutes of work, and in a data directory the user then has to clean up.
 *
 * Recovery reads segment N from the newest timeline on its path that had
 * begun by segment N (the segment holding a switch point comes from the
 * child timeline), so that is the one required here.
 */
import { DbrollbackError } from '../../errors.js';
import type { ObjectInfo } from '../../storage/contract.js';
import { formatLsn, lsnSegment, segmentName, segmentNumber, timelineHex, walNameOfKey, WAL_PREFIX } from '../wal/layout.js';
import type { ChosenBase } from './choose-base.js';
import type { RecoveryTarget } from './target.js';
import type { TimelineStretch } from './timeline-history.js';


export interface ArchivedSegment {
  timeline: number;
  segno: bigint;
  name: string;
  key: string;
  archivedAt: Date;
}

export interface Coverage {
  /** Segments recovery needs, in replay order. */
  segments: ArchivedSegment[];
  first: string;
  last: string;
}

/** Segments among the archive's objects (`wal/<TLI>/<segment>…`); history, .partial and .backup files are not segments. */
export function archivedSegments(objects: readonly ObjectInfo[], segmentSize: number): Map<string, ArchivedSegment> {
  const byName = new Map<string, ArchivedSegment>();
  for (const object of objects) {
    const file = walNameOfKey(object.key);
    if (file?.kind !== 'segment') continue;
    byName.set(file.name, { timeline: Number.parseInt(file.timeline, 16), segno: segmentNumber(file.name, segmentSize), name: file.name, key: object.key, archivedAt: object.lastModified });
  }
  return byName;
}

/**
 * The segments from the base backup's start to the target, all present, or
 * WAL_MISSING naming the first absent one; a target past the end of the
 * archive is refused too (recovery could not reach it).
 */
export function checkCoverage(segments: Map<string, ArchivedSegment>, base: ChosenBase, target: RecoveryTarget, timelines: readonly TimelineStretch[]): Coverage {
  const size = base.base.walSegmentSize;
  const timelineOf = (segno: bigint): TimelineStretch | undefined =>
    [...timelines].reverse().find((s) => lsnSegment(s.begin, size) <= segno && (s.end === null || segno <= lsnSegment(s.end - 1n, size)));
  const lastOnPath = newestOnPath(segments, timelines, size);
  const stopSeg = lsnSegment(base.stopLsn, size);
  const needed: ArchivedSegment[] = [];
  for (let segno = lsnSegment(base.startLsn, size); ; segno += 1n) {
    const stretch = timelineOf(segno);
    const name = stretch ? segmentName(timelineHex(stretch.timeline), segno, size) : segmentName(timelineHex(base.base.timeline), segno, size);
    const found = segments.get(name);
    if (!found) {
      const pastEnd = segno > (lastOnPath?.segno ?? -1n);
      // A restore point can be anywhere after the base backup: the whole archive is what recovery gets.
      if (pastEnd && target.kind === 'name' && segno > stopSeg) break;
      throw missing(name, base, target, lastOnPath, pastEnd);
    }
    needed.push(found);
    if (segno >= stopSeg && stopsHere(found, target, size)) break;
  }
  return { segments: needed, first: needed[0]!.name, last: needed[needed.length - 1]!.name };
}

/** Recovery can stop within this segment (or it is as far as the target needs). */
function stopsHere(segment: ArchivedSegment, target: RecoveryTarget, size: number): boolean {
  // A segment archived after the target time holds the first commit after it, where recovery stops.
  if (target.kind === 'time') return segment.archivedAt.getTime() >= target.time.getTime();
  if (target.kind === 'lsn') return (segment.segno + 1n) * BigInt(size) > target.lsn;
  return false;
}

function newestOnPath(segments: Map<string, ArchivedSegment>, timelines: readonly TimelineStretch[], size: number): ArchivedSegment | undefined {
  let newest: ArchivedSegment | undefined;
  for (const s of segments.values()) {
    const stretch = timelines.find((t) => t.timeline === s.timeline);
    if (!stretch || s.segno < lsnSegment(stretch.begin, size)) continue;
    if (stretch.end !== null && s.segno > lsnSegment(stretch.end - 1n, size)) continue;
    if (!newest || s.segno > newest.segno) newest = s;
  }
  return newest;
}

function missing(name: string, base: ChosenBase, target: RecoveryTarget, newest: ArchivedSegment | undefined, pastEnd: boolean): DbrollbackError {
  const key = `${WAL_PREFIX}${name.slice(0, 8)}/${name}.gz`;
  if (pastEnd) {
    const end = newest ? `the archive ends with ${newest.name} (archived ${newest.archivedAt.toISOString()})` : 'the archive holds no WAL for this timeline';
    return new DbrollbackError('WAL_MISSING', `WAL segment ${name} is not in the archive: ${end}, before ${target.display} — recovery could not reach the target`, {
      hint: "If the primary is running, archive its current segment with SELECT pg_switch_wal(); and check archive_command with `dbrollback backups --check`. Or choose an earlier target.",
      details: { missingSegment: name, key, baseBackup: base.id },
    });
  }
  return new DbrollbackError('WAL_MISSING', `WAL segment ${name} is missing from the archive (${key}): recovery from base backup ${base.id} (${formatLsn(base.startLsn)}) to ${target.display} needs it`, {
    hint: 'Nothing was written. The archive has a gap (see `dbrollback backups --check`): restore to a time before the gap, or from a base backup taken after it.',
    details: { missingSegment: name, key, baseBackup: base.id },
  });
}
