/**
 * `dbrollback backups --check`: can this archive do a point-in-time restore,
 * and up to when? Per timeline, which segments are archived and where the
 * gaps are; the newest segment and its age; for each base backup, whether
 * its own WAL is complete and whether the chain from it reaches "now". With
 * the database at hand, "now" is the segment before the one the server is
 * writing, and the archiver's own failures are reported; without it, "now"
 * is the newest archived segment.
 */
import { withDb } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import type { Storage } from '../../storage/contract.js';
import { listBackups, loadManifest } from '../catalog.js';
import type { BaseInfo } from '../base/base-info.js';
import { DEFAULT_SEGMENT_SIZE, parseLsn, segmentName, segmentNumber, WAL_PREFIX, walNameOfKey } from './layout.js';
import { walChain } from './wal-chain.js';
import { archiveFailureLogLines, archiverStatus, archivingProblem } from './archiver-status.js';

export interface TimelineReport {
  timeline: number;
  segments: number;
  first: string | null;
  last: string | null;
  /** Runs of missing segments between the first and last archived one. */
  gaps: Array<{ from: string; to: string; count: number }>;
  /** The timeline's history file is archived (timeline 1 has none). */
  history: boolean;
}

export interface BaseBackupReport {
  id: string;
  timeline: number;
  startWal: string;
  stopWal: string;
  stopTime: string;
  /** Its WAL from start to stop is all archived: it can be restored (to its end or later). */
  restorable: boolean;
  /** The chain from it runs unbroken to "now". */
  reachesNow: boolean;
  /** The newest segment its chain reaches. */
  reachesSegment: string | null;
  problem?: string;
}

export interface ServerArchiveState {
  timeline: number;
  currentWal: string;
  lastArchivedWal: string | null;
  lastArchivedAt: string | null;
  lastFailedWal: string | null;
  lastFailedAt: string | null;
  failedCount: number;
  /** The archiver's last attempt failed and nothing was archived since (or archiving is off or has no command): PITR to now cannot stay possible. */
  failingNow: boolean;
  /** Why, in pg_stat_archiver's words, when failingNow. */
  problem: string | null;
  /** The server log's lines about the failure, when this role may read the log. */
  logLines: string[] | null;
}

export interface ArchiveHealth {
  /** Point-in-time restore to now is possible. */
  ok: boolean;
  timelines: TimelineReport[];
  newest: { name: string; archivedAt: string; ageSeconds: number } | null;
  baseBackups: BaseBackupReport[];
  pitrToNow: { possible: boolean; reason: string; fromBackup: string | null; upTo: string | null };
  server: ServerArchiveState | null;
}

export interface ArchiveHealthOptions {
  /** The archiving database: "now" becomes the segment before the one it is writing. */
  conn?: ConnInfo;
  now?: Date;
}

export async function archiveHealth(storage: Storage, options: ArchiveHealthOptions = {}): Promise<ArchiveHealth> {
  const now = options.now ?? new Date();
  const listing = await storage.list(WAL_PREFIX);
  const bases = await baseBackups(storage);
  const segmentSize = bases[0]?.base.walSegmentSize ?? DEFAULT_SEGMENT_SIZE;
  const server = options.conn ? await serverState(options.conn) : null;

  const byTimeline = new Map<number, { names: string[]; history: boolean; newest: { name: string; at: Date } | null }>();
  const entry = (tli: number) => {
    let e = byTimeline.get(tli);
    if (!e) byTimeline.set(tli, (e = { names: [], history: false, newest: null }));
    return e;
  };
  for (const object of listing) {
    const file = walNameOfKey(object.key);
    if (!file) continue;
    const e = entry(parseInt(file.timeline, 16));
    if (file.kind === 'history') e.history = true;
    if (file.kind !== 'segment') continue;
    e.names.push(file.name);
    if (!e.newest || file.name > e.newest.name) e.newest = { name: file.name, at: object.lastModified };
  }
  const timelines = [...byTimeline.entries()]
    .sort(([a], [b]) => a - b)
    .map(([timeline, e]): TimelineReport => ({ timeline, segments: e.names.length, first: e.names[0] ?? null, last: e.names.at(-1) ?? null, gaps: gapsOf(e.names, segmentSize), history: timeline === 1 || e.history }));

  const latestTimeline = server?.timeline ?? [...byTimeline.entries()].filter(([, e]) => e.names.length > 0).map(([t]) => t).sort((a, b) => b - a)[0] ?? null;
  const newestOnLatest = latestTimeline !== null ? (byTimeline.get(latestTimeline)?.newest ?? null) : null;
  const newest = newestOnLatest ? { name: newestOnLatest.name, archivedAt: newestOnLatest.at.toISOString(), ageSeconds: Math.max(0, Math.round((now.getTime() - newestOnLatest.at.getTime()) / 1000)) } : null;
  // The segment recovery must reach for "now": the last one the server has finished, or the newest archived.
  const nowSegment = server ? previousSegment(server.currentWal, segmentSize) : (newest?.name ?? null);

  const reports: BaseBackupReport[] = [];
  for (const { id, base } of bases) {
    const own = await walChain(storage, { timeline: base.timeline, fromSegment: base.startWal, toLsn: parseLsn(base.stopLsn) - 1n, segmentSize, listing });
    const report: BaseBackupReport = { id, timeline: base.timeline, startWal: base.startWal, stopWal: base.stopWal, stopTime: base.stopTime, restorable: own.ok, reachesNow: false, reachesSegment: own.lastSegment };
    if (!own.ok) {
      reports.push({ ...report, problem: own.problem });
      continue;
    }
    if (latestTimeline !== null && nowSegment !== null) {
      const toLsn = segmentNumber(nowSegment, segmentSize) * BigInt(segmentSize);
      const toNow = await walChain(storage, { timeline: latestTimeline, fromSegment: base.startWal, toLsn, segmentSize, listing });
      report.reachesSegment = toNow.lastSegment;
      report.reachesNow = toNow.ok;
      if (!toNow.ok) report.problem = `${toNow.problem} (now is ${nowSegment}${server ? ', the last segment the server finished' : ''})`;
    }
    reports.push(report);
  }

  const from = reports.find((r) => r.reachesNow) ?? null;
  let reason: string;
  // Archiving that fails now makes "now" unreachable within minutes, whatever the archive holds so far.
  if (server?.failingNow) reason = `${server.problem}${from ? ` (the archive reaches ${nowSegment} from base backup ${from.id} so far, but new WAL is not being archived)` : ''}`;
  else if (bases.length === 0) reason = 'there is no complete base backup: take one with `dbrollback base-backup`';
  else if (!nowSegment) reason = 'the archive holds no WAL segment';
  else if (from) reason = `from base backup ${from.id} through ${nowSegment}`;
  else {
    const firstGap = reports.find((r) => r.restorable)?.problem ?? reports[0]?.problem ?? 'no base backup is restorable';
    reason = `no base backup's WAL chain reaches ${nowSegment}: ${firstGap}`;
  }
  const possible = Boolean(from) && !server?.failingNow;
  return {
    ok: possible,
    timelines,
    newest,
    baseBackups: reports,
    pitrToNow: { possible, reason, fromBackup: possible ? (from?.id ?? null) : null, upTo: possible ? nowSegment : null },
    server,
  };
}

async function baseBackups(storage: Storage): Promise<Array<{ id: string; base: BaseInfo }>> {
  const out: Array<{ id: string; base: BaseInfo }> = [];
  for (const listing of await listBackups(storage)) {
    if (listing.kind !== 'base' || listing.status !== 'complete') continue;
    const manifest = await loadManifest(storage, listing.id, { kind: 'base' });
    if (manifest.base) out.push({ id: listing.id, base: manifest.base });
  }
  return out;
}

function gapsOf(names: string[], segmentSize: number): TimelineReport['gaps'] {
  const gaps: TimelineReport['gaps'] = [];
  for (let i = 1; i < names.length; i++) {
    const before = segmentNumber(names[i - 1]!, segmentSize);
    const after = segmentNumber(names[i]!, segmentSize);
    if (after - before > 1n) {
      const tli = names[i]!.slice(0, 8);
      gaps.push({ from: segmentName(tli, before + 1n, segmentSize), to: segmentName(tli, after - 1n, segmentSize), count: Number(after - before - 1n) });
    }
  }
  return gaps;
}

export function previousSegment(name: string, segmentSize: number): string {
  return segmentName(name.slice(0, 8), segmentNumber(name, segmentSize) - 1n, segmentSize);
}

export async function serverState(conn: ConnInfo): Promise<ServerArchiveState> {
  return withDb(conn, async (db) => {
    // The insert position's file name carries the timeline being written (pg_control's lags after a promotion).
    const { rows } = await db.query<{ wal: string }>('SELECT pg_walfile_name(pg_current_wal_insert_lsn()) AS wal');
    const wal = rows[0]!.wal;
    const status = await archiverStatus(db);
    const problem = archivingProblem(status);
    return {
      timeline: parseInt(wal.slice(0, 8), 16),
      currentWal: wal,
      lastArchivedWal: status.lastArchivedWal,
      lastArchivedAt: status.lastArchivedAt,
      lastFailedWal: status.lastFailedWal,
      lastFailedAt: status.lastFailedAt,
      failedCount: status.failedCount,
      failingNow: problem !== null,
      problem,
      logLines: problem !== null ? await archiveFailureLogLines(db) : null,
    };
  });
}
