/**
 * The end of a base backup: with `-X none` the server finishes the backup
 * only once its archiver has stored the backup's last WAL segment, and until
 * then it sends nothing (pg_stat_progress_basebackup's phase "waiting for WAL
 * archiving to finish"). A failing archive_command makes that wait endless —
 * the server only logs a warning every minute. This watcher, on a connection
 * of its own, sees the wait begin, says so, and when it has lasted the
 * archive timeout, reads pg_stat_archiver and ends the backup's walsender,
 * so pg_basebackup exits and the run can say why.
 */
import { connect, type Db } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { archiveFailureLogLines, archiverStatus, type ArchiverStatus } from '../wal/archiver-status.js';

export const WAITING_FOR_ARCHIVE = 'waiting for wal archiving to finish';

export interface ArchiveTimeout {
  waitedMs: number;
  status: ArchiverStatus;
  logLines: string[] | null;
}

export interface ArchiveWaitWatch {
  /** Set once the wait ran out and the backup was ended. */
  readonly timedOut: ArchiveTimeout | null;
  /** When the server began waiting for the archiver (ms since the epoch), or null. */
  readonly waitingSince: number | null;
  stop(): Promise<void>;
}

export function watchArchiveWait(conn: ConnInfo, options: { applicationName: string; timeoutMs: number; onWaiting?: () => void; pollMs?: number }): ArchiveWaitWatch {
  let stopped = false;
  let timedOut: ArchiveTimeout | null = null;
  let waitingSince: number | null = null;
  let wake: (() => void) | undefined;
  const pause = (ms: number) => new Promise<void>((resolve) => {
    wake = resolve;
    setTimeout(resolve, ms).unref();
  });
  const loop = (async () => {
    let db: Db | undefined;
    try {
      db = await connect({ ...conn, applicationName: 'dbrollback-archive-watch' });
      while (!stopped) {
        const { rows } = await db.query<{ pid: number; phase: string }>(
          `SELECT p.pid, p.phase FROM pg_stat_progress_basebackup p JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1`,
          [options.applicationName],
        );
        const waiting = rows.find((r) => r.phase === WAITING_FOR_ARCHIVE);
        if (waiting) {
          if (waitingSince === null) {
            waitingSince = Date.now();
            options.onWaiting?.();
          }
          const waitedMs = Date.now() - waitingSince;
          if (waitedMs >= options.timeoutMs) {
            const status = await archiverStatus(db);
            const logLines = await archiveFailureLogLines(db);
            timedOut = { waitedMs, status, logLines };
            // Ends the wait on the server; pg_basebackup then exits with an error the run replaces with this one.
            await db.query('SELECT pg_terminate_backend($1)', [waiting.pid]);
            return;
          }
        }
        await pause(options.pollMs ?? 500);
      }
    } catch {
      // Watching is a courtesy: without it the backup still runs (and its own checks still apply).
    } finally {
      await db?.end().catch(() => undefined);
    }
  })();
  return {
    get timedOut() {
      return timedOut;
    },
    get waitingSince() {
      return waitingSince;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
