/** Choosing the base backup and checking the archive covers the way from it to the target (pure logic over a listing). */
import { describe, expect, it } from 'vitest';
import { checkWal } from '../../../src/backup/pitr/check-wal.js';
import { chooseBase, type BaseCandidate } from '../../../src/backup/pitr/choose-base.js';
import { parseRecoveryTarget } from '../../../src/backup/pitr/target.js';
import { timelinePath } from '../../../src/backup/pitr/timeline-path.js';
import { parseHistory } from '../../../src/backup/wal/timeline-history.js';
import { memoryStorage } from '../../../src/storage/memory.js';
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
    base: { timeline, startLsn: lsn(startSeg), stopLsn: lsn(stopSeg), startWal: wal(startSeg), stopWal: wal(stopSeg), startTime: stopTime, stopTime, systemIdentifier: '1', walSegmentSize: MB16, tablespaces: [], backupManifestInTar: true },
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
const tl1 = timelinePath(parseHistory('', 1));

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
    expect(err.message).toContain('no base backup ends before 2026-01-02 10:01:00 UTC: the oldest on the timeline path, a, finished at');
  });

  it('follows the timeline path: an ancestor backup is usable only from before the switch', () => {
    // Timeline 2 branched off timeline 1 in segment 15; base c (timeline 1, segment 20) is not on its path.
    const path = timelinePath(parseHistory(`1\t0/${(15 * MB16 + 0x100).toString(16)}\tno recovery target specified\n`, 2));
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

describe('checkWal', () => {
  const b = (c: BaseCandidate) => chooseBase([c], parseRecoveryTarget({ restorePoint: 'x' }), tl1);
  const storage = memoryStorage('check-wal');
  const failure = (p: Promise<unknown>): Promise<DbrollbackError> =>
    p.then(
      () => {
        throw new Error('expected WAL_MISSING');
      },
      (e: unknown) => e as DbrollbackError,
    );

  it('passes when every segment from the base backup to the first one archived after the target time is there', async () => {
    // Each segment's commits happen during the minute before it is archived.
    const commits = async (_s: unknown, segment: string) => [new Date(new Date(minute(parseInt(segment.slice(16), 16))).getTime() - 30_000)];
    const cov = await checkWal(storage, b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:14:30Z', now }), 1, segments(1, 1, 30, minute), commits);
    expect(cov).toEqual({ segments: 6, first: '00000001000000000000000A', last: '00000001000000000000000F' });
  });

  it('reads on past the first segment archived after T while it holds no commit after T, and names the first one not archived (archiving lags)', async () => {
    // Archiving lags: segments archived after T still hold WAL from before it.
    const before = async () => [new Date('2026-01-02T10:14:00Z')];
    const err = await failure(checkWal(storage, b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:14:30Z', now }), 1, segments(1, 1, 17, minute), before));
    expect(err.code).toBe('WAL_MISSING');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('WAL segment 000000010000000000000012 is not in the archive yet');
    expect(err.message).toContain('archiving lags');
  });

  it('far behind: the last segment archived in a row holding a commit after T proves the stop is archived, without reading the segments between', async () => {
    // Segments up to 0E archived on time; 0F … 28 archived long after T. Segment s holds commits at 10:(s-10):10 and 10:(s-10):50,
    // but 0x10 … 0x17 are the middle of one long transaction: no commit at all.
    const listing = segments(1, 1, 40, (s) => (s <= 14 ? minute(s) : '2026-01-02T10:50:00Z'));
    const read: string[] = [];
    const commits = async (_s: unknown, segment: string) => {
      read.push(segment);
      const s = parseInt(segment.slice(16), 16);
      if (s >= 0x10 && s <= 0x17) return [];
      return [10, 50].map((sec) => new Date(`2026-01-02T10:${String(s - 10).padStart(2, '0')}:${sec}Z`));
    };
    const cov = await checkWal(storage, b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:14:30Z', now }), 1, listing, commits);
    // 0x28 = 40, the last archived, holds commits after T: recovery stops there at the latest (in fact in 0x18).
    expect(cov).toEqual({ segments: 31, first: '00000001000000000000000A', last: '000000010000000000000028', upTo: true });
    expect(read.sort()).toEqual(['00000001000000000000000F', '000000010000000000000010', '000000010000000000000028']);
  });

  it('far behind, the last segment archived holding no commit after T: reads the segments in order, never more than one past the one holding the first commit after T, and not fooled by segments with no commit', async () => {
    // As above, but 0x19 … 0x28 (the last archived) are the middle of another long transaction, begun after T's commit in 0x18.
    const listing = segments(1, 1, 40, (s) => (s <= 14 ? minute(s) : '2026-01-02T10:50:00Z'));
    const read: string[] = [];
    const commits = async (_s: unknown, segment: string) => {
      read.push(segment);
      const s = parseInt(segment.slice(16), 16);
      if ((s >= 0x10 && s <= 0x17) || s >= 0x19) return [];
      return [10, 50].map((sec) => new Date(`2026-01-02T10:${String(s - 10).padStart(2, '0')}:${sec}Z`));
    };
    const cov = await checkWal(storage, b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:14:30Z', now }), 1, listing, commits);
    // 0x18 = 24 holds 10:14:50, the first commit after T; every segment from 0A to it is archived.
    expect(cov).toEqual({ segments: 15, first: '00000001000000000000000A', last: '000000010000000000000018' });
    expect(read.filter((s) => parseInt(s.slice(16), 16) > 0x18 && s !== '000000010000000000000028').length).toBeLessThanOrEqual(1);
  });

  it('names the first missing segment (exit 2)', async () => {
    const listing = segments(1, 1, 30, minute).filter((o) => !o.key.includes('00000001000000000000000D'));
    const err = await failure(checkWal(storage, b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:20:00Z', now }), 1, listing));
    expect(err).toBeInstanceOf(DbrollbackError);
    expect(err.code).toBe('WAL_MISSING');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('WAL 00000001000000000000000D is missing');
    expect(err.details?.missingSegment).toBe('00000001000000000000000D');
  });

  it('refuses a target past the end of the archive', async () => {
    const err = await failure(checkWal(storage, b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ pointInTime: '2026-01-02T10:40:00Z', now }), 1, segments(1, 1, 12, minute)));
    expect(err.code).toBe('WAL_MISSING');
    expect(err.message).toContain('it ends with 00000001000000000000000C');
  });

  it('stops at the segment holding the target LSN', async () => {
    const cov = await checkWal(storage, b(base('b', 1, 10, 11, minute(11))), parseRecoveryTarget({ lsn: `0/${(13 * MB16 + 5).toString(16)}` }), 1, segments(1, 1, 30, minute));
    expect(cov.last).toBe('00000001000000000000000D');
  });
});
