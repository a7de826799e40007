/**
 * dbrollback's own archive, read for a point-in-time restore: the timeline
 * recovery follows (the newest in the archive, with its history), the base
 * backups it may start from, and a base backup's tar.
 */
import { DbrollbackError } from '../../errors.js';
import type { ObjectInfo, Storage } from '../../storage/contract.js';
import { listBackups, loadManifest } from '../catalog.js';
import type { BackupManifest } from '../manifest.js';
import { timelineHex, walNameOfKey } from '../wal/layout.js';
import { loadTimelineHistory } from '../wal/timeline-history.js';
import type { BaseCandidate } from './choose-base.js';
import { timelinePath, type TimelineStretch } from './timeline-path.js';

/** The newest timeline in the archive, and the path of timelines leading to it (from its history file). */
export async function recoveryTimeline(storage: Storage, wal: readonly ObjectInfo[]): Promise<{ timeline: number; path: TimelineStretch[] }> {
  let timeline = 1;
  for (const object of wal) {
    const file = walNameOfKey(object.key);
    if (file) timeline = Math.max(timeline, Number.parseInt(file.timeline, 16));
  }
  const spans = await loadTimelineHistory(storage, timeline);
  if (!spans) {
    const name = `${timelineHex(timeline)}.history`;
    throw new DbrollbackError('WAL_MISSING', `the archive holds WAL of timeline ${timeline} but not its history file ${name}: which timelines lead to it is unknown`, {
      hint: `Nothing was written. Archive it from the cluster that created timeline ${timeline}: dbrollback wal-push pg_wal/${name} (PostgreSQL does so itself when archiving is on at promotion).`,
      details: { missingSegment: name },
    });
  }
  return { timeline, path: timelinePath(spans) };
}

/** A base backup's manifest and the key of its tar, which must be listed. */
export async function baseTar(storage: Storage, id: string, hint: string): Promise<{ manifest: BackupManifest; tarKey: string }> {
  const manifest = await loadManifest(storage, id, { kind: 'base' });
  const tarKey = manifest.objects.find((k) => k.endsWith('.tar.gz'));
  if (!tarKey) throw new DbrollbackError('BACKUP_INCOMPLETE', `base backup ${id} lists no .tar.gz object`, { hint });
  return { manifest, tarKey };
}

export async function baseCandidates(storage: Storage): Promise<BaseCandidate[]> {
  const listings = (await listBackups(storage)).filter((b) => b.kind === 'base' && b.status === 'complete');
  const manifests = await Promise.all(listings.map((b) => loadManifest(storage, b.id, { kind: 'base' })));
  return manifests.flatMap((m) => (m.base ? [{ id: m.id, createdAt: m.createdAt, base: m.base }] : []));
}
