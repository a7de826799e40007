/**
 * Where a named restore point lies in the WAL, from the records `migrate`
 * keeps in the storage: without it, a base backup cannot be checked against
 * the target before anything is written (the WAL would have to be replayed to
 * find the name). PostgreSQL stops at the FIRST restore point of that name it
 * replays, so the same name made earlier (a migration applied, undone and
 * applied again; the same migration in another database of the cluster) is
 * looked for too: recovery then targets this point's LSN instead of its name.
 */
import { BEFORE_MIGRATION_PREFIX, listRestorePoints, type RestorePointRecord } from '../restore-points.js';
import { parseLsn } from '../wal/layout.js';
import type { Storage } from '../../storage/contract.js';
import type { RecoveryTarget } from './target.js';

/** The target with `at` filled in when the storage records the point; `lsn` picks one record among several of that name (default: the newest). */
export async function locateRestorePoint(storage: Storage, target: RecoveryTarget, lsn?: string): Promise<RecoveryTarget> {
  if (target.kind !== 'name') return target;
  const named = (await recordsNamed(storage, target.name)).map((p) => ({ lsn: parseLsn(p.lsn), timeline: p.timeline }));
  if (named.length === 0) return target;
  named.sort((a, b) => (a.lsn < b.lsn ? -1 : a.lsn > b.lsn ? 1 : 0));
  const wanted = lsn !== undefined ? parseLsn(lsn) : undefined;
  const point = (wanted !== undefined ? named.find((p) => p.lsn === wanted) : undefined) ?? named.at(-1)!;
  const earlier = named.filter((p) => p.lsn < point.lsn).at(-1)?.lsn ?? null;
  return { ...target, at: { lsn: point.lsn, timeline: point.timeline, earlier } };
}

/** Records of that name: first under the migration a `dbrollback:before:` name spells (one listing), else all of them (a shortened or other name). */
async function recordsNamed(storage: Storage, name: string): Promise<RestorePointRecord[]> {
  if (name.startsWith(BEFORE_MIGRATION_PREFIX)) {
    const own = (await listRestorePoints(storage, { migration: name.slice(BEFORE_MIGRATION_PREFIX.length) })).filter((p) => p.name === name);
    if (own.length > 0) return own;
  }
  return (await listRestorePoints(storage)).filter((p) => p.name === name);
}
