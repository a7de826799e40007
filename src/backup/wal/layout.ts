/**
 * Where archived WAL lives in storage, and how its objects are made.
 *
 *   wal/<TLI>/<name>.gz
 *
 * <TLI> is the timeline as 8 hex digits; <name> is the file name PostgreSQL
 * gave wal-push: a segment (24 hex digits), a `.partial` segment, a `.backup`
 * history file (under the timeline of the segment it names) or a
 * `<TLI>.history` file (under its own timeline).
 *
 * An object is one gzip member (RFC 1952) made deterministically — MTIME 0,
 * OS 255, Node's zlib at a fixed level — so pushing the same file twice gives
 * the same bytes. Its FCOMMENT header field carries `dbrollback-sha256=<hex>`,
 * the sha256 of the uncompressed file: gzip's own CRC-32 and length catch
 * damage in transit, the sha256 lets wal-fetch prove it restored exactly the
 * file that was pushed, and it costs no second object (a sidecar per segment
 * would double the requests of a command run once per 16 MB). Any gunzip
 * reads the objects.
 */
import { DbrollbackError } from '../../errors.js';

export const WAL_PREFIX = 'wal/';

export type WalFileKind = 'segment' | 'partial' | 'backup' | 'history';

export interface WalFileName {
  name: string;
  kind: WalFileKind;
  /** Timeline as 8 upper-case hex digits. */
  timeline: string;
  /** For segment, partial and backup files: the 24-digit segment name. */
  segment?: string;
}

const SEGMENT = /^([0-9A-F]{8})[0-9A-F]{16}$/;
const PARTIAL = /^(([0-9A-F]{8})[0-9A-F]{16})\.partial$/;
const BACKUP = /^(([0-9A-F]{8})[0-9A-F]{16})\.[0-9A-F]{8}\.backup$/;
const HISTORY = /^([0-9A-F]{8})\.history$/;

/** Parse a WAL file name, or null when PostgreSQL would never archive such a name. */
export function parseWalName(name: string): WalFileName | null {
  let m = SEGMENT.exec(name);
  if (m) return { name, kind: 'segment', timeline: m[1]!, segment: name };
  m = PARTIAL.exec(name);
  if (m) return { name, kind: 'partial', timeline: m[2]!, segment: m[1]! };
  m = BACKUP.exec(name);
  if (m) return { name, kind: 'backup', timeline: m[2]!, segment: m[1]! };
  m = HISTORY.exec(name);
  if (m) return { name, kind: 'history', timeline: m[1]! };
  return null;
}

export function checkWalName(name: string): WalFileName {
  const parsed = parseWalName(name);
  if (!parsed) {
    throw new DbrollbackError('WAL_NAME_INVALID', `"${name}" is not a WAL file name (a 24-hex-digit segment, SEGMENT.partial, SEGMENT.XXXXXXXX.backup or TLI.history)`, {
      hint: "wal-push takes the path PostgreSQL passes as %p, wal-fetch the name it passes as %f: `dbrollback archive-command` prints the archive_command to set; restore_command = 'dbrollback wal-fetch %f %p'.",
    });
  }
  return parsed;
}

export const walKey = (file: WalFileName): string => `${WAL_PREFIX}${file.timeline}/${file.name}.gz`;

/** The WAL file name an archive key holds, or null for a key that is not ours. */
export function walNameOfKey(key: string): WalFileName | null {
  const m = /^wal\/([0-9A-F]{8})\/([^/]+)\.gz$/.exec(key);
  if (!m) return null;
  const parsed = parseWalName(m[2]!);
  return parsed && parsed.timeline === m[1] ? parsed : null;
}

export const timelineHex = (timeline: number): string => timeline.toString(16).toUpperCase().padStart(8, '0');

/** Segments per "log id" (the middle 8 digits) for a segment size: 256 for 16 MB. */
export const segmentsPerLogId = (segmentSize: number): bigint => 0x1_0000_0000n / BigInt(segmentSize);

/** The segment number (position in the WAL stream, timeline aside) of a 24-digit name. */
export function segmentNumber(segment: string, segmentSize: number): bigint {
  const log = BigInt(`0x${segment.slice(8, 16)}`);
  const seg = BigInt(`0x${segment.slice(16, 24)}`);
  return log * segmentsPerLogId(segmentSize) + seg;
}

export function segmentName(timeline: string, number: bigint, segmentSize: number): string {
  const per = segmentsPerLogId(segmentSize);
  const hex = (n: bigint) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${timeline}${hex(number / per)}${hex(number % per)}`;
}

/** "16/B374D848" → 0x16B374D848. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) {
    throw new DbrollbackError('USAGE', `"${text}" is not an LSN (two hex numbers like 0/3000060)`, { hint: 'Use the form PostgreSQL prints, e.g. 0/3000060.' });
  }
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export const formatLsn = (lsn: bigint): string => `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffff_ffffn).toString(16).toUpperCase()}`;

/** The segment number holding the byte at `lsn`. */
export const lsnSegment = (lsn: bigint, segmentSize: number): bigint => lsn / BigInt(segmentSize);

/** PostgreSQL's default, used when nothing in the archive says otherwise. */
export const DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;

export const SHA256_COMMENT_PREFIX = 'dbrollback-sha256=';
/** zlib level of archived WAL: gzip's (and pgBackRest's) default trade-off. */
export const WAL_GZIP_LEVEL = 6;
