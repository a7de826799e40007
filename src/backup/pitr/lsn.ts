/**
 * WAL positions and segment file names, computed the way PostgreSQL does
 * (xlog_internal.h): a segment name is timeline, then the segment number
 * split into "log" and "seg" halves of 8 hex digits each.
 */

const LSN_PATTERN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const SEGMENT_PATTERN = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;

/** "16/B374D848" → bigint, or null when it is not an LSN. */
export function parseLsn(text: string): bigint | null {
  const m = LSN_PATTERN.exec(text.trim());
  if (!m) return null;
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

const hex8 = (n: bigint | number): string => n.toString(16).toUpperCase().padStart(8, '0');

export function timelineHex(timeline: number): string {
  return hex8(timeline);
}

/** The segment number holding `lsn`. */
export function segmentNumber(lsn: bigint, segmentSize: number): bigint {
  return lsn / BigInt(segmentSize);
}

export function segmentName(timeline: number, segno: bigint, segmentSize: number): string {
  const perId = 0x100000000n / BigInt(segmentSize);
  return `${hex8(timeline)}${hex8(segno / perId)}${hex8(segno % perId)}`;
}

/** A segment file name → timeline and segment number; null for anything else (.history, .partial, .backup). */
export function parseSegmentName(name: string, segmentSize: number): { timeline: number; segno: bigint } | null {
  const m = SEGMENT_PATTERN.exec(name);
  if (!m) return null;
  const perId = 0x100000000n / BigInt(segmentSize);
  return { timeline: Number.parseInt(m[1]!, 16), segno: BigInt(`0x${m[2]}`) * perId + BigInt(`0x${m[3]}`) };
}

/** The first LSN after a segment. */
export function segmentEnd(segno: bigint, segmentSize: number): bigint {
  return (segno + 1n) * BigInt(segmentSize);
}
