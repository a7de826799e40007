/**
 * DATABASECHANGELOG.MD5SUM of a formatted-SQL changeset, as Liquibase
 * computes it since 4.22 (checksum version 9; liquibase-standard 4.28:
 * AbstractSQLChange.generateCheckSum, ChangeSet.generateCheckSum,
 * CheckSum.compute): the change's checksum is the MD5 of its SQL's UTF-8
 * bytes with every space, tab, CR and LF removed; the changeset's is the MD5
 * of "<change checksum>:" (one change per formatted-SQL changeset), NFC-
 * normalised, and both are written `9:<hex>`.
 */
import { createHash } from 'node:crypto';

export const CHECKSUM_VERSION = 9;

export function changeSetChecksum(sql: string): string {
  const change = `${CHECKSUM_VERSION}:${md5(Buffer.from(sql, 'utf8').filter((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09))}`;
  return `${CHECKSUM_VERSION}:${md5(Buffer.from(`${change}:`.normalize('NFC'), 'utf8'))}`;
}

/** The version prefix of a stored checksum (`9:…` → 9), or null when there is none. */
export function checksumVersion(stored: string | null): number | null {
  const match = stored === null ? null : /^(\d+):/.exec(stored);
  return match ? Number(match[1]) : null;
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}
