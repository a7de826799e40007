/**
 * Is the WAL from a base backup's start to a recovery target all in the
 * archive? Answered from one listing (no object is read but timeline history
 * files), before anything is restored: a restore that would stop short says
 * so up front, naming the first missing file.
 */
import type { ObjectInfo, Storage } from '../../storage/contract.js';
import { DEFAULT_SEGMENT_SIZE, lsnSegment, parseLsn, parseWalName, segmentName, segmentNumber, WAL_PREFIX, walNameOfKey } from './layout.js';
import { loadTimelineHistory, timelineOfSegment, type TimelineSpan } from './timeline-history.js';

export interface WalChainOptions {
  /** The timeline recovery follows (the target's; default: the start segment's). */
  timeline?: number;
  /** First segment needed: the base backup's start WAL (24 hex digits). */
  fromSegment: string;
  /** Up to the segment holding this LSN ("0/3000060" or a number). */
  toLsn?: string | bigint;
  /** Up to the first segment archived at or after this time (a segment holding WAL written at T is archived after T). */
  toTime?: Date;
  /** Bytes per segment (the base backup manifest's walSegmentSize; default 16 MB). */
  segmentSize?: number;
  /** A listing of `wal/` already in hand (archiveHealth checks several chains on one). */
  listing?: ObjectInfo[];
}

export interface WalChainResult {
  ok: boolean;
  /** First file the chain needs that the archive lacks (a segment, or a TLI.history file). */
  missing?: string;
  /** Why the chain is broken, in words. */
  problem?: string;
  /** Segments found in order from the start. */
  segments: number;
  /** The last segment found in order (null if not even the first). */
  lastSegment: string | null;
  /** Archive time of lastSegment. */
  lastArchivedAt: Date | null;
  /** The timelines the chain runs through, oldest first. */
  timelines: string[];
}

/**
 * Without toLsn/toTime the chain runs to the newest segment archived on the
 * path (what "recover to now" needs).
 */
export async function walChain(storage: Storage, options: WalChainOptions): Promise<WalChainResult> {
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  const start = parseWalName(options.fromSegment);
  if (!start || start.kind !== 'segment') throw new Error(`walChain: "${options.fromSegment}" is not a segment name`);
  const timeline = options.timeline ?? parseInt(start.timeline, 16);
  const listing = options.listing ?? (await storage.list(WAL_PREFIX));
  const archived = new Map<string, Date>();
  for (const object of listing) {
    const file = walNameOfKey(object.key);
    if (file?.kind === 'segment') archived.set(file.name, object.lastModified);
  }
  const broken = (missing: string, problem: string, found: Partial<WalChainResult> = {}): WalChainResult => ({
    ok: false,
    missing,
    problem,
    segments: 0,
    lastSegment: null,
    lastArchivedAt: null,
    timelines: [],
    ...found,
  });

  const spans: TimelineSpan[] | null = await loadTimelineHistory(storage, timeline);
  const historyName = `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
  if (!spans) return broken(historyName, `timeline ${timeline}'s history file ${historyName} is not in the archive`);
  const first = segmentNumber(start.name, segmentSize);
  if (timelineOfSegment(spans, first, segmentSize) !== start.timeline) {
    return broken(start.name, `${start.name} is not on timeline ${timeline}'s path (timelines ${spans.map((s) => parseInt(s.timeline, 16)).join(' → ')})`);
  }
  const toLsn = typeof options.toLsn === 'string' ? parseLsn(options.toLsn) : options.toLsn;
  const last = toLsn !== undefined ? lsnSegment(toLsn, segmentSize) : undefined;

  // Storage times have second precision on S3 (and some file systems): a segment archived in the
  // target's second may read as before it. Compare at the second.
  const toTimeSeconds = options.toTime !== undefined ? Math.floor(options.toTime.getTime() / 1000) * 1000 : undefined;
  let count = 0;
  let lastSegment: string | null = null;
  let lastArchivedAt: Date | null = null;
  const used = new Set<string>();
  for (let n = first; ; n++) {
    const name = segmentName(timelineOfSegment(spans, n, segmentSize), n, segmentSize);
    const at = archived.get(name);
    const reached = (last !== undefined && n > last) || (toTimeSeconds !== undefined && lastArchivedAt !== null && lastArchivedAt.getTime() >= toTimeSeconds);
    if (reached) break;
    if (!at) {
      // With no target, the chain simply ends at the newest archived segment.
      if (last === undefined && options.toTime === undefined && count > 0) break;
      const what = last !== undefined ? `the WAL up to ${typeof options.toLsn === 'string' ? options.toLsn : 'the target LSN'}` : options.toTime ? `the WAL up to ${options.toTime.toISOString()}` : 'the WAL';
      return broken(name, `${name} is missing from the archive: ${what} cannot be replayed past it`, { segments: count, lastSegment, lastArchivedAt, timelines: [...used] });
    }
    used.add(name.slice(0, 8));
    count++;
    lastSegment = name;
    lastArchivedAt = at;
  }
  return { ok: true, segments: count, lastSegment, lastArchivedAt, timelines: [...used] };
}
