/**
 * Timeline history: which timeline holds which stretch of WAL. A restore
 * that promotes starts a new timeline and archives `<TLI>.history`, whose
 * lines `parentTLI  switchpoint  reason` say where each ancestor ended.
 * Recovery on timeline T reads each segment from the newest timeline of T's
 * history that had begun by that segment.
 */
import { Writable } from 'node:stream';
import { DbrollbackError, isDbrollbackError } from '../../errors.js';
import type { Storage } from '../../storage/contract.js';
import { gunzipMember, WalObjectError } from './gzip-member.js';
import { lsnSegment, parseLsn, timelineHex, walKey } from './layout.js';

export interface TimelineSpan {
  /** 8 hex digits. */
  timeline: string;
  /** First LSN on this timeline (0 for the first timeline). */
  begin: bigint;
}

/** Parse a history file's text into the spans of T's ancestry, oldest first, ending with T itself. */
export function parseHistory(text: string, timeline: number): TimelineSpan[] {
  const spans: TimelineSpan[] = [];
  let begin = 0n;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [parent, switchpoint] = trimmed.split(/\s+/);
    if (!parent || !switchpoint || !/^\d+$/.test(parent)) throw new Error(`unreadable history line "${trimmed}"`);
    spans.push({ timeline: timelineHex(Number(parent)), begin });
    begin = parseLsn(switchpoint);
  }
  spans.push({ timeline: timelineHex(timeline), begin });
  return spans;
}

/** T's ancestry from the archive; timeline 1 has none. Null when T > 1 and its history file is not archived. */
export async function loadTimelineHistory(storage: Storage, timeline: number): Promise<TimelineSpan[] | null> {
  if (timeline === 1) return [{ timeline: timelineHex(1), begin: 0n }];
  const tli = timelineHex(timeline);
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  try {
    const out = await gunzipMember(await storage.get(walKey({ name: `${tli}.history`, kind: 'history', timeline: tli })), sink);
    if (out.actual !== out.recorded) throw new WalObjectError('sha256 mismatch');
  } catch (err) {
    if (isDbrollbackError(err) && err.code === 'STORAGE_OBJECT_NOT_FOUND') return null;
    if (err instanceof WalObjectError) {
      throw new DbrollbackError('WAL_CORRUPT', `archived ${tli}.history in ${storage.url} is damaged: ${err.message}`, {
        hint: 'Without it recovery cannot follow timeline switches; restore from a base backup taken on this timeline.',
      });
    }
    throw err;
  }
  return parseHistory(Buffer.concat(chunks).toString('utf8'), timeline);
}

/** The timeline a segment is read from when recovering along `spans`. */
export function timelineOfSegment(spans: TimelineSpan[], segment: bigint, segmentSize: number): string {
  let chosen = spans[0]!.timeline;
  for (const span of spans) if (lsnSegment(span.begin, segmentSize) <= segment) chosen = span.timeline;
  return chosen;
}
