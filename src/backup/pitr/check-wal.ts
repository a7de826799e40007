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
import { formatLsn, parseWalName, walNameOfKey } from '../wal/layout.js';
import type { ChosenBase } from './choose-base.js';
import type { RecoveryTarget } from './target.js';

export interface WalCoverage {
  segments: number;
  first: string;
  last: string;
}

export async function checkWal(storage: Storage, base: ChosenBase, target: RecoveryTarget, timeline: number, listing: ObjectInfo[]): Promise<WalCoverage> {
  const chain = await walChain(storage, {
    timeline,
    fromSegment: base.base.startWal,
    // A restore point the storage records is needed up to its LSN; one it does not can be anywhere: the whole archive.
    ...(target.kind === 'time' ? { toTime: target.time } : target.kind === 'lsn' ? { toLsn: target.lsn } : target.kind === 'name' && target.at ? { toLsn: target.at.lsn } : {}),
    segmentSize: base.base.walSegmentSize,
    listing,
  });
  if (!chain.ok) throw walMissing(chain, base, target, listing);
  return { segments: chain.segments, first: base.base.startWal, last: chain.lastSegment ?? base.base.startWal };
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
