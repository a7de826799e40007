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

/**
 * The commit and abort records of the segment `file` (its directory is pg_waldump's --path), oldest first.
 * pg_waldump stops with an error at the end of the WAL written so far (a segment cut short by a switch
 * ends in zeros): what it printed up to there is the answer.
 */
export async function transactionEnds(file: string): Promise<TransactionEnd[]> {
  const { execa } = await loadExeca();
  const waldump = await findBinary('pg_waldump');
  // Timestamps printed in UTC, with the zone named, whatever the host's zone.
  const result = await execa(waldump.path, ['--rmgr=Transaction', file], { reject: false, env: { TZ: 'UTC' } });
  const ends: TransactionEnd[] = [];
  for (const line of result.stdout.split('\n')) {
    const m = /lsn: ([0-9A-F]+\/[0-9A-F]+),.*desc: (COMMIT|ABORT) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) UTC/.exec(line);
    if (m) ends.push({ lsn: m[1]!, kind: m[2] as 'COMMIT' | 'ABORT', time: new Date(`${m[3]!.replace(' ', 'T')}Z`) });
  }
  if (ends.length === 0 && result.exitCode !== 0 && !/invalid record length|could not find a valid record|record with incorrect prev-link|invalid magic number/.test(result.stderr)) {
    throw new Error(`pg_waldump could not read ${file}: ${result.stderr.trim().split('\n').at(-1) ?? `exit ${result.exitCode}`}`);
  }
  return ends;
}
