/**
 * Is the server archiving its WAL right now? What pg_stat_archiver and the
 * archive settings say, read before work that depends on the archive
 * (base-backup, migrate's restore points, `backups --check`) and when a wait
 * for a segment runs out — pgBackRest's archive-check is the model. A
 * failure is reported with what PostgreSQL itself recorded (the last failed
 * WAL file, when, how many failures) and the server log line to read, quoted
 * when this role may read the log.
 */
import type { Db } from '../../db/connection.js';

export interface ArchiverStatus {
  /** archive_mode: off, on or always. */
  archiveMode: string;
  /** archive_command / archive_library, or null when this role may not see them (superuser-only settings). */
  archiveCommand: string | null;
  archiveLibrary: string | null;
  archivedCount: number;
  lastArchivedWal: string | null;
  lastArchivedAt: string | null;
  failedCount: number;
  lastFailedWal: string | null;
  lastFailedAt: string | null;
  /** The last attempt failed and nothing was archived since: archiving is failing now. */
  failingNow: boolean;
}

export async function archiverStatus(db: Db): Promise<ArchiverStatus> {
  const { rows } = await db.query<{
    archive_mode: string;
    archive_command: string | null;
    archive_library: string | null;
    archived_count: string;
    last_archived_wal: string | null;
    last_archived_time: Date | null;
    failed_count: string;
    last_failed_wal: string | null;
    last_failed_time: Date | null;
  }>(`
    SELECT current_setting('archive_mode') AS archive_mode,
           (SELECT setting FROM pg_settings WHERE name = 'archive_command') AS archive_command,
           (SELECT setting FROM pg_settings WHERE name = 'archive_library') AS archive_library,
           archived_count::text, last_archived_wal, last_archived_time,
           failed_count::text, last_failed_wal, last_failed_time
      FROM pg_stat_archiver`);
  const row = rows[0]!;
  const lastArchivedAt = row.last_archived_time?.toISOString() ?? null;
  const lastFailedAt = row.last_failed_time?.toISOString() ?? null;
  return {
    archiveMode: row.archive_mode,
    archiveCommand: row.archive_command,
    archiveLibrary: row.archive_library,
    archivedCount: Number(row.archived_count),
    lastArchivedWal: row.last_archived_wal,
    lastArchivedAt,
    failedCount: Number(row.failed_count),
    lastFailedWal: row.last_failed_wal,
    lastFailedAt,
    failingNow: lastFailedAt !== null && (lastArchivedAt === null || lastFailedAt > lastArchivedAt),
  };
}

/** Why the server is not archiving, or null when it is (as far as the settings and pg_stat_archiver tell). */
export function archivingProblem(status: ArchiverStatus): string | null {
  if (status.archiveMode === 'off') return 'WAL archiving is off (archive_mode = off)';
  // Visible only to superusers and pg_read_all_settings: when hidden, pg_stat_archiver has to tell.
  if (status.archiveCommand !== null && status.archiveCommand.trim() === '' && (status.archiveLibrary ?? '').trim() === '') {
    return 'archive_mode is on but archive_command is empty: the server keeps its WAL and archives none of it';
  }
  if (status.failingNow) return `WAL archiving is failing: ${describeFailure(status)}`;
  return null;
}

/** pg_stat_archiver's account of the last failure and the last success. */
export function describeFailure(status: ArchiverStatus): string {
  const failed = status.lastFailedWal
    ? `the archiver's last attempt failed (pg_stat_archiver: last_failed_wal ${status.lastFailedWal} at ${status.lastFailedAt}, ${status.failedCount} failure${status.failedCount === 1 ? '' : 's'} since the statistics were reset)`
    : 'the archiver has recorded no failure (pg_stat_archiver)';
  const archived = status.lastArchivedWal ? `the last file archived was ${status.lastArchivedWal} at ${status.lastArchivedAt}` : 'nothing has been archived since the statistics were reset';
  return `${failed}; ${archived}`;
}

/**
 * The server log's own account of archive_command failures: its last lines
 * saying "archive command failed" (with the command's own error output
 * before them), when the log is the server's logging collector's and this
 * role may read it (superuser or pg_read_server_files); otherwise null.
 */
export async function archiveFailureLogLines(db: Db, max = 6): Promise<string[] | null> {
  try {
    const { rows } = await db.query<{ file: string | null }>('SELECT pg_current_logfile() AS file');
    const file = rows[0]?.file;
    if (!file) return null;
    // The tail is enough: the archiver retries within seconds, so its failures are at the end.
    const { rows: text } = await db.query<{ t: string }>(
      'SELECT pg_read_file($1, greatest(0, (pg_stat_file($1)).size - 262144), 262144) AS t',
      [file],
    );
    const lines = (text[0]?.t ?? '').split('\n');
    const last = lines.map((l, i) => (/archive command failed|failed archive command was|archiving write-ahead log file .* failed/i.test(l) ? i : -1)).filter((i) => i >= 0).at(-1);
    if (last === undefined) return null;
    return lines.slice(Math.max(0, last - max + 1), last + 1).filter((l) => l.trim() !== '');
  } catch {
    return null;
  }
}

/** Where to read about it: the quoted lines when they could be read, else which lines to look for. */
export function logLineAdvice(status: ArchiverStatus, quoted: string[] | null): string {
  if (quoted && quoted.length > 0) return `The server log says:\n    ${quoted.join('\n    ')}`;
  const when = status.lastFailedAt ? ` at ${status.lastFailedAt}` : '';
  return `Read the server log${when}: the line "archive command failed with exit code N", the line "The failed archive command was: …" after it, and the command's own error output just before them.`;
}
