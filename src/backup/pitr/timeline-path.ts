/**
 * The path of timelines recovery follows to a timeline: each ancestor only
 * up to its switch point. A base backup is usable for timeline T only if it
 * started on that path before its timeline ended (one taken on timeline 1
 * after timeline 2 branched off it holds WAL that T never replays).
 */
import { formatLsn } from '../wal/layout.js';
import type { TimelineSpan } from '../wal/timeline-history.js';

/** One stretch of the path: `timeline` from `begin` (inclusive) to `end` (exclusive; null = open). */
export interface TimelineStretch {
  timeline: number;
  begin: bigint;
  end: bigint | null;
}

/** The spans of a timeline history (oldest first, ending with the timeline itself), each closed by the next one's begin. */
export function timelinePath(spans: readonly TimelineSpan[]): TimelineStretch[] {
  return spans.map((span, i) => ({ timeline: Number.parseInt(span.timeline, 16), begin: span.begin, end: spans[i + 1]?.begin ?? null }));
}

/** Whether WAL at `lsn` written on `timeline` is part of the path. */
export function onPath(path: readonly TimelineStretch[], timeline: number, lsn: bigint): boolean {
  return path.some((s) => s.timeline === timeline && lsn >= s.begin && (s.end === null || lsn < s.end));
}

export function describePath(path: readonly TimelineStretch[]): string {
  return path.map((s) => `timeline ${s.timeline}${s.end === null ? '' : ` until ${formatLsn(s.end)}`}`).join(' → ');
}
