/**
 * Does the WAL archive hold every segment recovery will ask for, from the
 * base backup's first segment to the target? Checked before anything is
 * written: a gap PostgreSQL finds halfway through recovery ends it early
 * ("recovery ended before configured recovery target was reached") after
 * minutes of work, in a data directory the user then has to clean up.
 */
import { DbrollbackError } from '../../errors.js';
import type { ObjectInfo, Storage } from '../../storage/contract.js';
import { walChain, type WalChainResult } from '../wal/wal-chain.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { transactionEnds } from '../../pgtools/pg-waldump.js';
import { fetchInto } from '../wal/fetch-into.js';
import { formatLsn, parseWalName, segmentName, segmentNumber, walNameOfKey } from '../wal/layout.js';
import type { ChosenBase } from './choose-base.js';
import type { RecoveryTarget } from './target.js';

export interface WalCoverage {
  segments: number;
  first: string;
  last: string;
  /**
   * For a time target: `last` holds a commit after the target, and recovery stops at the first one — which may
   * lie in an earlier segment (check-wal proved the stop is archived without reading every segment before it).
   */
  upTo?: true;
}

/** The commit/abort times an archived segment holds (default: fetched and read with pg_waldump). */
export type CommitTimesOf = (storage: Storage, segment: string) => Promise<Date[]>;

export async function checkWal(storage: Storage, base: ChosenBase, target: RecoveryTarget, timeline: number, listing: ObjectInfo[], commitTimesOf: CommitTimesOf = archivedCommitTimes): Promise<WalCoverage> {
  const checked = await checkWalChain(storage, base, target, timeline, listing, commitTimesOf);
  return checked.readOn ? await checked.readOn() : checked.coverage;
}

export interface WalChainCheck {
  /** The chain as the listing shows it: every segment from the base backup's start to the first one archived after the target. */
  coverage: WalCoverage;
  /**
   * For a time target: read on in the archived WAL (pg_waldump) to the segment holding the first commit after T —
   * the coverage recovery needs, or WAL_MISSING ("archiving lags"). Slow (a download and a pg_waldump a segment),
   * so a restore runs it alongside the extract, and waits for it before the server starts.
   */
  readOn: (() => Promise<WalCoverage>) | null;
}

/** The listing's part of checkWal (WAL_MISSING at once for a gap), and the reading-on still to do. */
export async function checkWalChain(storage: Storage, base: ChosenBase, target: RecoveryTarget, timeline: number, listing: ObjectInfo[], commitTimesOf: CommitTimesOf = archivedCommitTimes): Promise<WalChainCheck> {
  const chain: WalChainResult = await walChain(storage, {
    timeline,
    fromSegment: base.base.startWal,
    // A restore point the storage records is needed up to its LSN; one it does not can be anywhere: the whole archive.
    ...(target.kind === 'time' ? { toTime: target.time } : target.kind === 'lsn' ? { toLsn: target.lsn } : target.kind === 'name' && target.at ? { toLsn: target.at.lsn } : {}),
    segmentSize: base.base.walSegmentSize,
    listing,
  });
  if (!chain.ok) throw walMissing(chain, base, target, listing);
  const coverage = { segments: chain.segments, first: base.base.startWal, last: chain.lastSegment ?? base.base.startWal };
  const lastSegment = chain.lastSegment;
  if (target.kind !== 'time' || lastSegment === null) return { coverage, readOn: null };
  // The chain above ends at the first segment archived after T; when archiving lags, that segment may hold
  // only WAL written before T. Recovery stops at the first commit after T: read on until a segment holds one.
  const readOn = async (): Promise<WalCoverage> => {
    const end = await firstCommitAfter(storage, lastSegment, target.time, listing, base.base.walSegmentSize, commitTimesOf);
    if (end.missing) throw lagging(end.missing, end.scanned, target, chain, base);
    return { segments: chain.segments + end.scanned.length - 1, first: base.base.startWal, last: end.scanned.at(-1)!, ...(end.upTo ? { upTo: true as const } : {}) };
  };
  return { coverage, readOn };
}

/**
 * From `from` on, the first archived segment holding a commit (or abort) after `time`, read with pg_waldump;
 * or the first segment recovery would need that is not archived yet.
 *
 * When archiving lags, the segments archived after T can be many, each a download and a pg_waldump: they are
 * read in order, the next one already on its way while one is read (READ_AHEAD at a time). A search that skips
 * segments cannot find the *first* commit: a segment in the middle of a long transaction holds none at all.
 * But recovery only needs *a* commit after T archived in a row from `from`: it stops at the first one, at or
 * before it. So when the first segment holds none, the last one archived in a row is read next; a commit
 * after T there passes the check at once (`upTo`: the first one is at or before that segment) — one long
 * transaction's worth of segments (a bulk UPDATE after T, the very damage a restore undoes) is not read
 * twice, here and again by recovery. Only when the last one holds none either are the segments read in order.
 */
async function firstCommitAfter(storage: Storage, from: string, time: Date, listing: readonly ObjectInfo[], segmentSize: number, commitTimesOf: CommitTimesOf): Promise<{ scanned: string[]; missing: string | null; upTo?: true }> {
  const archived = new Set(listing.map((o) => walNameOfKey(o.key)).flatMap((f) => (f?.kind === 'segment' ? [f.name] : [])));
  // The segments archived in a row from `from` on; the first one missing after them.
  const names: string[] = [];
  let missing: string;
  for (let n = segmentNumber(from, segmentSize); ; n++) {
    const name = segmentName(from.slice(0, 8), n, segmentSize);
    if (!archived.has(name)) {
      missing = name;
      break;
    }
    names.push(name);
  }
  // Milliseconds are what a Date holds: a commit in T's own millisecond counts as after (never a false refusal).
  const reads: Array<Promise<boolean>> = [];
  const read = (i: number) => {
    if (i < names.length && !reads[i]) {
      const pending = commitTimesOf(storage, names[i]!).then((times) => times.some((t) => t.getTime() >= time.getTime()));
      // Read ahead: a failure counts only once its turn comes (its own await below).
      pending.catch(() => undefined);
      reads[i] = pending;
    }
    return reads[i];
  };
  const last = names.length - 1;
  for (let i = 0; i < names.length; i++) {
    for (let j = i; j < i + READ_AHEAD; j++) void read(j);
    if (await read(i)) return { scanned: names.slice(0, i + 1), missing: null };
    if (i === 0 && last > READ_AHEAD && (await read(last))) return { scanned: names, missing: null, upTo: true };
  }
  return { scanned: names, missing };
}

/** Segments read at once by check-wal (a 2-core host: one fetches while pg_waldump reads the other). */
const READ_AHEAD = 2;

/** Fetch an archived segment into a temporary directory and read its commit and abort times with pg_waldump. */
async function archivedCommitTimes(storage: Storage, segment: string): Promise<Date[]> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-check-wal-'));
  try {
    const file = path.join(work, segment);
    await fetchInto(storage, parseWalName(segment)!, file);
    return (await transactionEnds(file)).map((e) => e.time);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function lagging(missing: string, scanned: string[], target: RecoveryTarget, chain: WalChainResult, base: ChosenBase): DbrollbackError {
  return new DbrollbackError('WAL_MISSING', `WAL segment ${missing} is not in the archive yet, and recovery to ${target.display} needs it: the archived WAL holds no commit after the target (read up to ${scanned.at(-1) ?? chain.lastSegment}), so the moment ${target.display} lies in WAL not archived yet — archiving lags`, {
    hint: 'Nothing was written. Wait for the archiver to catch up (`dbrollback backups --check` shows it; on the primary, SELECT pg_switch_wal(); closes the current segment), then run the same restore again; or choose an earlier target.',
    details: { missingSegment: missing, baseBackup: base.id, segmentsFound: chain.segments + Math.max(0, scanned.length - 1), lastSegment: scanned.at(-1) ?? chain.lastSegment },
  });
}

function walMissing(chain: WalChainResult, base: ChosenBase, target: RecoveryTarget, listing: readonly ObjectInfo[]): DbrollbackError {
  const missing = chain.missing ?? '(unknown)';
  const details = { missingSegment: missing, baseBackup: base.id, segmentsFound: chain.segments, lastSegment: chain.lastSegment };
  // Nothing archived after the missing segment: the archive simply ends before the target.
  const position = (segment: string) => segment.slice(8);
  const archivedAfter = listing.some((o) => {
    const file = walNameOfKey(o.key);
    return file?.kind === 'segment' && position(file.name) > position(missing);
  });
  if (!archivedAfter && chain.lastSegment !== null && parseWalName(missing)?.kind === 'segment') {
    return new DbrollbackError('WAL_MISSING', `WAL segment ${missing} is not in the archive: it ends with ${chain.lastSegment} (archived ${chain.lastArchivedAt?.toISOString()}), before ${target.display} — recovery could not reach the target`, {
      hint: 'Nothing was written. If the primary is running, archive its current segment (SELECT pg_switch_wal();) and check archiving with `dbrollback backups --check`; or choose an earlier target.',
      details,
    });
  }
  return new DbrollbackError('WAL_MISSING', `WAL ${missing} is missing from the archive: recovery from base backup ${base.id} (${formatLsn(base.startLsn)}) to ${target.display} needs it (${chain.problem ?? 'gap in the archive'})`, {
    hint: 'Nothing was written. The archive has a gap (see `dbrollback backups --check`): restore to a time before it, or from a base backup taken after it (--backup ID).',
    details,
  });
}
