/**
 * Can a point-in-time restore from dbrollback's own archive reach the moment
 * before migration X — the restore point `migrate` made before it? One
 * answer for `plan` (whether to offer the --data-dir and --tables routes) and
 * for `restore --before-migration X --backup auto` (whether to point at the
 * exact moment instead of an older logical backup). It can when:
 *
 *   - the point was made while the server was archiving WAL (migrate
 *     switched to a new WAL file after making it, so it reached the archive;
 *     where the role could not switch, once its segment is in the archive);
 *   - a base backup on the point's timeline (or an earlier one) ended at or
 *     before the point's LSN: recovery starts at a base backup's end and
 *     cannot stop before it, so one that ended after the point cannot reach
 *     it (choose-base.ts refuses it when the restore runs; this says so before).
 *
 * Without a recorded point (the tool applied the migration, not `migrate`)
 * the moment is a time the storage cannot place: any base backup may do.
 */
import type { Storage } from '../../storage/contract.js';
import type { RestorePointRecord } from '../restore-points.js';
import { parseLsn, parseWalName, walKey } from '../wal/layout.js';
import { baseCandidates } from './base-candidates.js';
import type { BaseCandidate } from './choose-base.js';

export interface PointReach {
  /** true: it can; false: `why` says why not; null: the storage's base backups could not be read (`why` says so). */
  reaches: boolean | null;
  /** Why it cannot (or why that is unknown), as a clause: "the storage holds no base backup to start one from". */
  why: string | null;
}

/** Whether a point-in-time restore reaches the moment before `migration`, marked by `point` where migrate recorded one. */
export async function pointReach(storage: Storage, migration: string, point: RestorePointRecord | null): Promise<PointReach> {
  if (point !== null && point.walSwitched === false) {
    // Made on an archiving server by a role that may not call pg_switch_wal: reachable once its segment is archived.
    if (point.archiving === true) {
      if (!(await segmentArchived(storage, point))) {
        return { reaches: false, why: `the restore point migrate made before ${migration} (${point.lsn}) is not in the WAL archive yet: its segment ${point.walFile} is archived once it is full or after archive_timeout (the role that ran migrate may not call pg_switch_wal())` };
      }
    } else return { reaches: false, why: `the restore point migrate made before ${migration} (${point.lsn}) was made while the server was not archiving WAL` };
  }
  let bases: BaseCandidate[];
  try {
    bases = await baseCandidates(storage);
  } catch (err) {
    return { reaches: null, why: `the base backups in the storage could not be read: ${(err as Error).message}` };
  }
  if (bases.length === 0) return { reaches: false, why: 'the storage holds no base backup to start one from' };
  if (point === null) return { reaches: true, why: null };
  let lsn: bigint;
  try {
    lsn = parseLsn(point.lsn);
  } catch {
    return { reaches: null, why: `the restore point recorded before ${migration} holds no readable LSN (${point.lsn})` };
  }
  // Base backups recovery to the point may start from: on its timeline or an earlier one, with a readable end.
  const placed = bases.flatMap((b) => {
    const stop = stopLsnOf(b);
    return b.base.timeline <= point.timeline && stop !== null ? [{ id: b.id, stop, stopLsn: b.base.stopLsn }] : [];
  });
  if (placed.some((b) => b.stop <= lsn)) return { reaches: true, why: null };
  const earliest = placed.sort((a, b) => (a.stop < b.stop ? -1 : a.stop > b.stop ? 1 : 0))[0];
  return {
    reaches: false,
    why: earliest
      ? `every base backup ${placed.length === bases.length ? 'in the storage' : `on timeline ${point.timeline} or earlier`} ended after the restore point migrate made before ${migration} (${point.lsn}; the earliest, ${earliest.id}, at ${earliest.stopLsn}), and recovery cannot stop before the end of the base backup it starts from`
      : `no base backup in the storage was taken on timeline ${point.timeline} or before it, where the restore point migrate made before ${migration} (${point.lsn}) lies`,
  };
}

/** Whether the WAL segment holding `point` is in the storage's archive (an unreadable answer counts as no). */
async function segmentArchived(storage: Storage, point: RestorePointRecord): Promise<boolean> {
  const file = parseWalName(point.walFile);
  if (file === null) return false;
  return (await storage.stat(walKey(file)).catch(() => null)) !== null;
}

/** A base backup's stop LSN; null where its manifest's is unreadable (it reaches nothing here; the restore says why). */
function stopLsnOf(b: BaseCandidate): bigint | null {
  try {
    return parseLsn(b.base.stopLsn);
  } catch {
    return null;
  }
}
