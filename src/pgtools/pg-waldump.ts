/**
 * pg_waldump over one WAL segment: the transaction ends (COMMIT, ABORT) it
 * holds and their timestamps. Recovery to a time stops at the first of them
 * after the target, so that is where the WAL a time-target restore needs ends.
 */
import { findBinary } from './binaries.js';
import { loadExeca } from './load-execa.js';

export interface TransactionEnd {
  lsn: string;
  kind: 'COMMIT' | 'ABORT';
  time: Date;
}

/** The commit and abort records of the segment `file` (its directory is pg_waldump's --path), oldest first. */
export async function transactionEnds(file: string): Promise<TransactionEnd[]> {
  // Timestamps printed in UTC, with the zone named, whatever the host's zone.
  return records(file, 'Transaction', (line) => {
    const m = /lsn: ([0-9A-F]+\/[0-9A-F]+),.*desc: (COMMIT|ABORT) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) UTC/.exec(line);
    return m ? { lsn: m[1]!, kind: m[2] as 'COMMIT' | 'ABORT', time: new Date(`${m[3]!.replace(' ', 'T')}Z`) } : null;
  });
}

/**
 * The records of one resource manager in the segment `file`, each line read by `parse` (null: not one).
 * pg_waldump stops with an error at the end of the WAL written so far (a segment cut short by a switch
 * ends in zeros): what it printed up to there is the answer; any other failure with nothing read throws.
 */
async function records<T>(file: string, rmgr: 'Transaction' | 'XLOG', parse: (line: string) => T | null): Promise<T[]> {
  const { execa } = await loadExeca();
  const waldump = await findBinary('pg_waldump');
  const result = await execa(waldump.path, [`--rmgr=${rmgr}`, file], { reject: false, env: { TZ: 'UTC' } });
  const found = result.stdout.split('\n').flatMap((line) => {
    const record = parse(line);
    return record === null ? [] : [record];
  });
  if (found.length === 0 && result.exitCode !== 0 && !/invalid record length|could not find a valid record|record with incorrect prev-link|invalid magic number/.test(result.stderr)) {
    throw new Error(`pg_waldump could not read ${file}: ${result.stderr.trim().split('\n').at(-1) ?? `exit ${result.exitCode}`}`);
  }
  return found;
}

export interface RestorePointRecord {
  name: string;
  /** The end of its record, as pg_create_restore_point returns it (and the storage's records hold it). */
  lsn: bigint;
}

/** WAL pages are XLOG_BLCKSZ (8 KiB in every build dbrollback supports); each starts with a header, longer at a segment's start. */
const PAGE = 8192n;
const SHORT_HEADER = 24n;
const LONG_HEADER = 40n;

/**
 * The restore points (XLOG RESTORE_POINT records) of the segment `file`, oldest first. pg_waldump prints
 * where a record starts and its total length; its end is where XLogInsert puts it: the length rounded up to
 * 8 bytes, laid over the pages from the start, skipping the header of each page it crosses into.
 */
export async function restorePoints(file: string, segmentSize: number): Promise<RestorePointRecord[]> {
  return records(file, 'XLOG', (line) => {
    const m = /len \(rec\/tot\):\s*\d+\/\s*(\d+),.*lsn: ([0-9A-F]+)\/([0-9A-F]+),.*desc: RESTORE_POINT (.*)$/.exec(line);
    return m ? { name: m[4]!, lsn: recordEnd((BigInt(`0x${m[2]!}`) << 32n) + BigInt(`0x${m[3]!}`), BigInt(m[1]!), BigInt(segmentSize)) } : null;
  });
}

function recordEnd(start: bigint, total: bigint, segmentSize: bigint): bigint {
  let pos = start;
  let left = (total + 7n) & ~7n;
  for (;;) {
    const pageEnd = (pos / PAGE + 1n) * PAGE;
    if (left <= pageEnd - pos) return pos + left;
    left -= pageEnd - pos;
    pos = pageEnd + (pageEnd % segmentSize === 0n ? LONG_HEADER : SHORT_HEADER);
  }
}
