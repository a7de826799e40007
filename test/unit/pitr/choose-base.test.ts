/** Choosing the base backup and checking the archive covers the way from it to the target (pure logic over a listing). */
import { describe, expect, it } from 'vitest';
import { archivedSegments, checkCoverage } from '../../../src/backup/pitr/archive-coverage.js';
import { chooseBase, type BaseCandidate } from '../../../src/backup/pitr/choose-base.js';
import { parseRecoveryTarget } from '../../../src/backup/pitr/target.js';
import { parseHistory, timelinePath } from '../../../src/backup/pitr/timeline-history.js';
import { DbrollbackError } from '../../../src/errors.js';
import type { ObjectInfo } from '../../../src/storage/contract.js';

const MB16 = 16 * 1024 * 1024;
const now = new Date('2026-06-01T12:00:00Z');

function base(id: string, timeline: number, startSeg: number, stopSeg: number, stopTime: string): BaseCandidate {
  const lsn = (seg: number) => `0/${(seg * MB16 + 0x28).toString(16).toUpperCase()}`;
  const wal = (seg: number) => `${timeline.toString(16).padStart(8, '0').toUpperCase()}00000000${seg.toString(16).padStart(8, '0').toUpperCase()}`;
  return {
    id,
    createdAt: stopTime,
    base: { timeline, startLsn: lsn(startSeg), stopLsn: lsn(stopSeg), startWal: wal(startSeg), stopWal: wal(stopSeg), startTime: stopTime, stopTime, systemIdentifier: '1', walSegmentSize: MB16, tablespaces: [] },
  };
}

function segments(timeline: number, from: number, to: number, archivedAt: (seg: number) => string): ObjectInfo[] {
  const out: ObjectInfo[] = [];
  for (let s = from; s <= to; s++) {
    const name = `${timeline.toString(16).padStart(8, '0').toUpperCase()}00000000${s.toString(16).padStart(8, '0').toUpperCase()}`;
    out.push({ key: `wal/${name.slice(0, 8)}/${name}.gz`, size: 100, lastModified: new Date(archivedAt(s)) });
  }
  return out;
}

const minute = (seg: number) => `2026-01-02T10:${String(seg).padStart(2, '0')}:00Z`;
const tl1 = timelinePath(1, []);

function refusal(fn: () => unknown): DbrollbackError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DbrollbackError);
    return err as DbrollbackError;
  }
  throw new Error('expected an error');
}

describe('chooseBase', () => {
  const bases = [base('a', 1, 2, 2, minute(2)), base('b', 1, 10, 11, minute(11)), base('c', 1, 20, 20, minute(20))];

  it('picks the newest base backup that finished before the target time', () => {
    expect(chooseBase(bases, parseRecoveryTarget({ pointInTime: '2026-01-02T10:15:00Z', now }), tl1).id).toBe('b');
    expect(chooseBase(bases, parseRecoveryTarget({ pointInTime: '2026-01-02T10:25:00Z', now }), tl1).id).toBe('c');
  });

  it('picks by stop LSN for an LSN target', () => {
    expect(chooseBase(bases, parseRecoveryTarget({ lsn: `0/${(12 * MB16).toString(16)}` }), tl1).id).toBe('b');
  });

  it('refuses a target before the oldest base backup (exit 2)', () => {
    const err = refusal(() => chooseBase(bases, parseRecoveryTarget({ pointInTime: '2026-01-02T10:01:00Z', now }), tl1));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('before the oldest usable base backup (a,');
  });

  it('follows the timeline path: an ancestor backup is usable only from before the switch', () => {
    // Timeline 2 branched off timeline 1 in segment 15; base c (timeline 1, segment 20) is not on its path.
    const path = timelinePath(2, parseHistory(`1\t0/${(15 * MB16 + 0x100).toString(16)}\tno recovery target specified\n`));
    const onTwo = base('d', 2, 25, 25, minute(25));
    expect(chooseBase([...bases, onTwo], parseRecoveryTarget({ pointInTime: '2026-01-02T10:22:00Z', now }), path).id).toBe('b');
    expect(chooseBase([...bases, onTwo], parseRecoveryTarget({ pointInTime: '2026-01-02T10:30:00Z', now }), path).id).toBe('d');
  });

  it('uses the base backup named with --backup, if it fits', () => {
    expect(chooseBase(bases, parseRecoveryTarget({ pointInTime: '2026-01-02T10:25:00Z', now }), tl1, 'a').id).toBe('a');
    expect(refusal(() => chooseBase(bases, parseRecoveryTarget({ pointInTime: '2026-01-02T10:05:00Z', now }), tl1, 'c')).exitCode).toBe(2);
    expect(refusal(() => chooseBase(bases, parseRecoveryTarget({ pointInTime: '2026-01-02T10:05:00Z', now }), tl1, 'zz')).message).toContain('does not exist');
  });

  it('says there is no base backup at all', () => {
    expect(refusal(() => chooseBase([], parseRecoveryTarget({ restorePoint: 'x' }), tl1)).message).toContain('no complete base backup');
  });
});

describe('checkCoverage', () => {
  const b = (c: BaseCandidate) => chooseBase([c], parseRecoveryTarget({ restorePoint: 'x' }), tl1);

  it('lists the segments from the base backup to the first one archived after the target time', () => {
    const listing = segments(1, 1, 30, minute);
    const cov = checkCoverage(archivedSegments(listing, MB16), b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:14:30Z', now }), tl1);
    expect(cov.first).toBe('00000001000000000000000A');
    expect(cov.last).toBe('00000001000000000000000F');
  });

  it('names the first missing segment (exit 2)', () => {
    const listing = segments(1, 1, 30, minute).filter((o) => !o.key.includes('00000001000000000000000D'));
    const err = refusal(() => checkCoverage(archivedSegments(listing, MB16), b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:20:00Z', now }), tl1));
    expect(err.code).toBe('WAL_MISSING');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('00000001000000000000000D is missing');
    expect(err.details?.missingSegment).toBe('00000001000000000000000D');
  });

  it('refuses a target past the end of the archive', () => {
    const err = refusal(() => checkCoverage(archivedSegments(segments(1, 1, 12, minute), MB16), b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:40:00Z', now }), tl1));
    expect(err.code).toBe('WAL_MISSING');
    expect(err.message).toContain('the archive ends with 00000001000000000000000C');
  });

  it('stops at the segment holding the target LSN', () => {
    const cov = checkCoverage(archivedSegments(segments(1, 1, 30, minute), MB16), b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ lsn: `0/${(13 * MB16 + 5).toString(16)}` }), tl1);
    expect(cov.last).toBe('00000001000000000000000D');
  });

  it('reads the switch segment and after from the child timeline; ignores .partial, .backup and history objects', () => {
    const path = timelinePath(2, parseHistory(`1\t0/${(15 * MB16 + 0x100).toString(16)}\tno recovery target specified\n`));
    const listing = [
      ...segments(1, 1, 14, minute),
      { key: 'wal/00000001/00000001000000000000000F.partial.gz', size: 1, lastModified: new Date(minute(15)) },
      { key: 'wal/00000001/00000001000000000000000A.00000028.backup.gz', size: 1, lastModified: new Date(minute(10)) },
      { key: 'wal/00000002/00000002.history.gz', size: 1, lastModified: new Date(minute(15)) },
      ...segments(2, 15, 20, minute),
    ];
    const cov = checkCoverage(archivedSegments(listing, MB16), b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ restorePoint: 'x' }), path);
    expect(cov.segments.map((s) => s.name).slice(4, 7)).toEqual(['00000001000000000000000E', '00000002000000000000000F', '000000020000000000000010']);
    expect(cov.last).toBe('000000020000000000000014');
  });
});
