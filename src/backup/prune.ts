/**
 * `dbrollback backups prune`: delete old backups, keeping what a rollback
 * needs. The newest verified backup and the newest complete base backup are
 * never deleted, whatever the flags say, and an incomplete one is left alone
 * for a grace period (it may be a backup still being read back).
 *
 * A storage may hold the backups of several databases (each manifest names
 * its own): --keep N and the newest-verified rule apply to each database's
 * backups apart, so pruning on behalf of one never empties another's.
 *
 * Archived WAL goes with the base backups: only WAL before the oldest kept
 * base backup's start segment, and archived before that backup began, is
 * deleted — never WAL a kept base backup needs, and none at all while no
 * base backup is kept. Timeline history files are always kept.
 */
import { DbrollbackError } from '../errors.js';
import { listBackups, loadManifest, type BackupListing } from './catalog.js';
import { MANIFEST_NAME } from './layout.js';
import type { Storage } from '../storage/contract.js';
import { WAL_PREFIX, walNameOfKey } from './wal/layout.js';

export interface PruneOptions {
  /** Keep the newest N complete backups. */
  keep?: number;
  /** Delete backups older than this many milliseconds. With `keep` too, both must hold. */
  olderThanMs?: number;
  /** Only report what would be deleted. */
  dryRun?: boolean;
  /** Incomplete backups younger than this are never deleted (default 24 h). */
  incompleteGraceMs?: number;
  now?: Date;
}

export interface PruneResult {
  deleted: BackupListing[];
  kept: BackupListing[];
  /** The newest verified backup, which prune never deletes (with several databases' backups: the newest of those in protectedIds). */
  protectedId: string | null;
  /** The newest verified whole backup of each database the storage holds backups of, none of which prune deletes. */
  protectedIds: string[];
  /** The newest complete base backup, which prune never deletes either. */
  protectedBaseId: string | null;
  /** Archived WAL files deleted (or, with dryRun, that would be). */
  walDeleted: string[];
  /** WAL before this segment position may go (the oldest kept base backup's start), or null: no WAL is deleted. */
  walKeptFrom: string | null;
  dryRun: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function pruneBackups(storage: Storage, options: PruneOptions): Promise<PruneResult> {
  if (options.keep === undefined && options.olderThanMs === undefined) {
    throw new DbrollbackError('USAGE', 'prune needs --keep N or --older-than AGE (or both)', {
      hint: 'e.g. `dbrollback backups prune --keep 7` or `--older-than 30d`.',
    });
  }
  if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 1)) {
    throw new DbrollbackError('USAGE', `--keep must be at least 1 (got ${options.keep})`, { hint: 'The newest backup is always kept.' });
  }
  const now = (options.now ?? new Date()).getTime();
  const listings = await listBackups(storage);
  const complete = listings.filter((b) => b.status === 'complete');
  // Newest first, so each database's first verified whole backup is its newest.
  const protectedIds: string[] = [];
  const protectedOf = new Set<string | null>();
  for (const b of complete) {
    if (!b.verified || b.partial || protectedOf.has(b.database)) continue;
    protectedOf.add(b.database);
    protectedIds.push(b.id);
  }
  const protectedId = protectedIds[0] ?? null;
  // Without a base backup the WAL archive is useless: the newest one stays.
  const protectedBaseId = complete.find((b) => b.kind === 'base')?.id ?? null;
  const grace = Math.max(options.incompleteGraceMs ?? DAY_MS, options.olderThanMs ?? 0);

  const doomed = new Set<string>();
  // Each backup's place among its own database's, newest first: --keep N counts per database.
  const seen = new Map<string | null, number>();
  complete.forEach((b) => {
    const index = seen.get(b.database) ?? 0;
    seen.set(b.database, index + 1);
    if (protectedIds.includes(b.id) || b.id === protectedBaseId) return;
    const beyondKeep = options.keep === undefined || index >= options.keep;
    const oldEnough = options.olderThanMs === undefined || now - Date.parse(b.createdAt) > options.olderThanMs;
    if (beyondKeep && oldEnough) doomed.add(b.id);
  });
  for (const b of listings) {
    if (b.status !== 'complete' && now - Date.parse(b.lastModified) > grace) doomed.add(b.id);
  }

  const deleted = listings.filter((b) => doomed.has(b.id));
  const keptBases = complete.filter((b) => b.kind === 'base' && !doomed.has(b.id));
  const wal = await walToDelete(storage, keptBases);
  if (!options.dryRun) {
    for (const b of deleted) {
      // Manifest first: a half-deleted backup is then incomplete, never mistaken for a usable one.
      const ordered = [...b.objects].sort((x, y) => Number(y.endsWith(`/${MANIFEST_NAME}`)) - Number(x.endsWith(`/${MANIFEST_NAME}`)));
      for (const key of ordered) await storage.delete(key);
    }
    // Oldest first: an interrupted prune leaves the archive contiguous.
    for (const key of wal.keys) await storage.delete(key);
  }
  return {
    deleted,
    kept: listings.filter((b) => !doomed.has(b.id)),
    protectedId,
    protectedIds,
    protectedBaseId,
    walDeleted: wal.keys.map((k) => walNameOfKey(k)!.name),
    walKeptFrom: wal.keptFrom,
    dryRun: Boolean(options.dryRun),
  };
}

/** WAL older than every kept base backup, in position and in time. */
async function walToDelete(storage: Storage, keptBases: BackupListing[]): Promise<{ keys: string[]; keptFrom: string | null }> {
  let oldest: { startWal: string; startTime: number } | null = null;
  for (const b of keptBases) {
    const base = (await loadManifest(storage, b.id, { kind: 'base' })).base;
    // A base manifest without its WAL position cannot say what it needs: keep all WAL.
    if (!base) return { keys: [], keptFrom: null };
    // Positions compare across timelines by the last 16 digits (log id and segment).
    if (!oldest || base.startWal.slice(8) < oldest.startWal.slice(8)) oldest = { startWal: base.startWal, startTime: Date.parse(base.startTime) };
  }
  if (!oldest) return { keys: [], keptFrom: null };
  const keys: Array<{ key: string; position: string }> = [];
  for (const object of await storage.list(WAL_PREFIX)) {
    const file = walNameOfKey(object.key);
    if (!file || file.kind === 'history' || !file.segment) continue;
    if (file.segment.slice(8) < oldest.startWal.slice(8) && object.lastModified.getTime() < oldest.startTime) keys.push({ key: object.key, position: file.segment.slice(8) });
  }
  keys.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  return { keys: keys.map((k) => k.key), keptFrom: oldest.startWal };
}

/** "30d", "12h", "90m", "2w" → milliseconds; USAGE error otherwise. */
export function parseAge(text: string): number {
  const m = /^(\d+)\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (!m || Number(m[1]) < 1) {
    throw new DbrollbackError('USAGE', `"${text}" is not an age (use a number and a unit: 90m, 12h, 30d, 2w)`, {
      hint: 'e.g. --older-than 30d',
    });
  }
  const unit = m[2]!.toLowerCase();
  const minutes = { m: 1, min: 1, h: 60, d: 1440, w: 10080 }[unit as 'm' | 'min' | 'h' | 'd' | 'w'];
  return Number(m[1]) * minutes * 60_000;
}
