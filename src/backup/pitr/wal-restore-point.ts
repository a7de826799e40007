/**
 * A restore point the storage holds no record of (made by hand, or by
 * something other than `dbrollback migrate`), placed in the WAL before
 * anything is written: every archived segment on the timeline path recovery
 * follows, from the start of the oldest base backup on it, read with
 * pg_waldump for RESTORE_POINT records of that name. Placed, it checks the
 * base backup as a recorded point does (choose-base.ts: the newest that ends
 * before it, else a refusal naming why); a name the archive does not hold is
 * refused here, with nothing written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { restorePoints } from '../../pgtools/pg-waldump.js';
import type { ObjectInfo, Storage } from '../../storage/contract.js';
import { fetchInto } from '../wal/fetch-into.js';
import { formatLsn, parseLsn, parseWalName, segmentNumber, walNameOfKey } from '../wal/layout.js';
import type { BaseCandidate } from './choose-base.js';
import type { RecoveryTarget } from './target.js';
import { describePath, onPath, type TimelineStretch } from './timeline-path.js';

type NameTarget = Extract<RecoveryTarget, { kind: 'name' }>;

export interface WalScan {
  storage: Storage;
  /** The archive's WAL objects. */
  listing: readonly ObjectInfo[];
  path: readonly TimelineStretch[];
  candidates: readonly BaseCandidate[];
  onProgress?: (line: string) => void;
}

/** The target with `at` from the archived WAL (the newest point of the name, as with the storage's records); unchanged when no base backup is on the path (choosing one refuses then). */
export async function placeRestorePoint(target: NameTarget, scan: WalScan): Promise<NameTarget> {
  const bases = scan.candidates.filter((c) => onPath(scan.path, c.base.timeline, parseLsn(c.base.startLsn)));
  if (bases.length === 0) return target;
  // Recovery replays from a base backup's start: WAL before the oldest one's is never replayed.
  const oldest = bases.reduce((min, c) => (parseLsn(c.base.startLsn) < parseLsn(min.base.startLsn) ? c : min));
  const from = parseLsn(oldest.base.startLsn);
  const segmentSize = oldest.base.walSegmentSize;
  const segments = segmentsOnPath(scan.listing, scan.path, from, segmentSize);
  scan.onProgress?.(`restore point "${target.name}" is not in the storage's records: reading ${segments.length} archived WAL segment(s) with pg_waldump to place it (${segments[0]?.name ?? '-'} … ${segments.at(-1)?.name ?? '-'})`);
  const found: Array<{ lsn: bigint; timeline: number }> = [];
  const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-restore-point-'));
  try {
    for (const segment of segments) {
      const file = path.join(work, segment.name);
      await fetchInto(scan.storage, parseWalName(segment.name)!, file);
      for (const p of await restorePoints(file, segmentSize)) {
        // A segment of the old timeline holds WAL past the switch that the path does not replay.
        if (p.name === target.name && onPath(scan.path, segment.timeline, p.lsn - 1n)) found.push({ lsn: p.lsn, timeline: segment.timeline });
      }
      await rm(file, { force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (found.length === 0) {
    throw new DbrollbackError('RESTORE_POINT_NOT_FOUND', `restore point "${target.name}" is neither in the storage's records nor in the archived WAL on the path recovery follows (${describePath(scan.path)}) from where the oldest base backup on it, ${oldest.id}, starts (${formatLsn(from)}; ${segments.length > 0 ? `segments ${segments[0]!.name} … ${segments.at(-1)!.name} read` : 'no segment is archived from there'}): if it was made before that, no base backup can reach it. Nothing was written`, {
      hint: 'Check the name (`dbrollback status` shows the points `migrate` made). If the point was made after the last archived segment, archive it first (SELECT pg_switch_wal(); on the primary) and run the same restore again.',
      details: { restorePoint: target.name, segmentsRead: segments.length },
    });
  }
  const point = found.at(-1)!;
  scan.onProgress?.(`restore point "${target.name}" found in the archived WAL at ${formatLsn(point.lsn)} (timeline ${point.timeline})${found.length > 1 ? `, after ${found.length - 1} earlier point(s) of that name` : ''}`);
  return { ...target, at: { lsn: point.lsn, timeline: point.timeline, earlier: found.at(-2)?.lsn ?? null } };
}

/** Archived segments holding WAL of the path at or after `from`, in WAL order. */
function segmentsOnPath(listing: readonly ObjectInfo[], timelines: readonly TimelineStretch[], from: bigint, segmentSize: number): Array<{ name: string; timeline: number }> {
  const size = BigInt(segmentSize);
  const fromSegment = from / size;
  return listing
    .flatMap((o) => {
      const file = walNameOfKey(o.key);
      if (file?.kind !== 'segment') return [];
      const timeline = Number.parseInt(file.name.slice(0, 8), 16);
      const n = segmentNumber(file.name, segmentSize);
      const start = n * size;
      const onIt = timelines.some((s) => s.timeline === timeline && start + size > s.begin && (s.end === null || start < s.end));
      return n >= fromSegment && onIt ? [{ name: file.name, timeline, n }] : [];
    })
    .sort((a, b) => (a.n === b.n ? a.timeline - b.timeline : a.n < b.n ? -1 : 1))
    .map(({ name, timeline }) => ({ name, timeline }));
}
