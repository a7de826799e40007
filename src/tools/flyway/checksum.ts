/**
 * flyway_schema_history.checksum of an SQL migration, as Flyway 12 computes
 * it (flyway-core: ChecksumCalculator / LoadableResource.calculateChecksum):
 * the file is read as text (UTF-8, Flyway's default encoding) line by line
 * with a BufferedReader, a byte-order mark is dropped from the first line,
 * each line's line break is trimmed, and java.util.zip.CRC32 is updated with
 * each line's UTF-8 bytes — so the CRC-32 runs over the text with every CR
 * and LF removed, and line endings do not change it. The value is stored as
 * a Java int: the CRC-32 as a signed 32-bit number.
 */
import { crc32 } from 'node:zlib';

export function flywayChecksum(text: string): number {
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).replace(/[\r\n]/g, '');
  return crc32(Buffer.from(lines, 'utf8')) | 0;
}
