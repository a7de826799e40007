/**
 * `backups --check`, `plan` and `migrate --backup auto` for an archive
 * another tool keeps: can a point-in-time restore reach now? From the
 * tool's own listing (its backups; pgBackRest also says which WAL it holds)
 * and, with the database at hand, from the server itself — pg_stat_archiver
 * tells whether archiving works, whoever the archive_command calls.
 */
import type { ConnInfo } from '../../db/conninfo.js';
import { DEFAULT_SEGMENT_SIZE } from '../wal/layout.js';
import { previousSegment, serverState, type ServerArchiveState } from '../wal/archive-health.js';
import type { ArchiveBackup, Archiver, ArchiverKind } from './contract.js';

export interface ArchiverHealth {
  archiver: ArchiverKind;
  location: string;
  /** Point-in-time restore to now is possible. */
  ok: boolean;
  /** The tool's complete backups, oldest first. */
  backups: ArchiveBackup[];
  /** The WAL range the tool reports (null: its tool does not list one). */
  wal: { min: string; max: string } | null;
  pitrToNow: { possible: boolean; reason: string; fromBackup: string | null; upTo: string | null };
  server: ServerArchiveState | null;
}

export async function archiverHealth(archiver: Archiver, options: { conn?: ConnInfo } = {}): Promise<ArchiverHealth> {
  const view = await archiver.view();
  const server = options.conn ? await serverState(options.conn) : null;
  const newest = view.backups.at(-1) ?? null;
  // The segment recovery must reach for "now": the last one the server finished, else the newest the tool holds.
  const nowSegment = server ? previousSegment(server.currentWal, DEFAULT_SEGMENT_SIZE) : (view.wal?.max ?? null);
  const position = (segment: string) => segment.slice(8);
  let reason: string;
  let possible = false;
  if (server?.failingNow) reason = server.problem ?? 'WAL archiving is failing';
  else if (!newest) reason = `${view.location} lists no complete base backup`;
  else if (nowSegment === null) reason = `${view.location} does not say which WAL it holds: give --database-url so the server's pg_stat_archiver can tell`;
  else if (view.wal) {
    possible = position(view.wal.max) >= position(nowSegment);
    reason = possible ? `from backup ${newest.id} through ${nowSegment} (${view.location} holds WAL ${view.wal.min} … ${view.wal.max})` : `${view.location}'s WAL ends with ${view.wal.max}, before ${nowSegment}${server ? ', the last segment the server finished' : ''}`;
  } else {
    const archived = server?.lastArchivedWal ?? null;
    possible = archived !== null && position(archived) >= position(nowSegment);
    reason = possible
      ? `from backup ${newest.id} through ${nowSegment} (pg_stat_archiver: last archived ${archived})`
      : `the server has not archived ${nowSegment} yet (pg_stat_archiver: last archived ${archived ?? 'nothing'})`;
  }
  return {
    archiver: archiver.kind,
    location: view.location,
    ok: possible,
    backups: view.backups,
    wal: view.wal,
    pitrToNow: { possible, reason, fromBackup: possible ? newest!.id : null, upTo: possible ? nowSegment : null },
    server,
  };
}
