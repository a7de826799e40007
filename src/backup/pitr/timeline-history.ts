/**
 * Timeline history files (`<TLI>.history`): which timelines a timeline
 * descends from and where it branched off each. Recovery to timeline T
 * replays each ancestor only up to its switch point, so a base backup is
 * usable for T only if it started on that path before its timeline ended.
 */
import { formatLsn, parseLsn } from '../wal/layout.js';

/** One stretch of the path to a timeline: `timeline` from `begin` (inclusive) to `end` (exclusive; null = open). */
export interface TimelineStretch {
  timeline: number;
  begin: bigint;
  end: bigint | null;
}

export interface HistoryEntry {
  parent: number;
  /** Where the parent ended and its child began. */
  switchLsn: bigint;
}

/** PostgreSQL's format: one "parentTLI<TAB>switchpoint<TAB>reason" line per ancestor, oldest first; # comments. */
export function parseHistory(text: string): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [tli, lsn] = line.split(/\s+/);
    const parent = Number(tli);
    if (!Number.isInteger(parent) || parent < 1 || lsn === undefined) throw new Error(`invalid timeline history line "${line}"`);
    const switchLsn = parseLsn(lsn);
    entries.push({ parent, switchLsn });
  }
  return entries;
}

/**
 * The stretches recovery to `timeline` replays, oldest first. `history` is
 * the timeline's own history file (empty for timeline 1, or when the file
 * is absent: PostgreSQL then assumes the timeline has no parents).
 */
export function timelinePath(timeline: number, history: readonly HistoryEntry[]): TimelineStretch[] {
  const stretches: TimelineStretch[] = [];
  let begin = 0n;
  for (const entry of history) {
    stretches.push({ timeline: entry.parent, begin, end: entry.switchLsn });
    begin = entry.switchLsn;
  }
  stretches.push({ timeline, begin, end: null });
  return stretches;
}

/** Whether WAL at `lsn` written on `timeline` is part of the path. */
export function onPath(path: readonly TimelineStretch[], timeline: number, lsn: bigint): boolean {
  return path.some((s) => s.timeline === timeline && lsn >= s.begin && (s.end === null || lsn < s.end));
}

export function describePath(path: readonly TimelineStretch[]): string {
  return path.map((s) => `timeline ${s.timeline}${s.end === null ? '' : ` until ${formatLsn(s.end)}`}`).join(' → ');
}
