/**
 * Wait until one WAL segment is in the archive: the segment holding a
 * restore point, right after `pg_switch_wal()` closed it. The archive is the
 * storage (what `dbrollback wal-push` writes), so that is what is asked; the
 * server's archiver is read beside it, so a failing archive_command ends the
 * wait at once with PostgreSQL's own words instead of running out the clock.
 */
import type { Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import type { Storage } from '../../storage/contract.js';
import { archiverStatus, archivingProblem } from './archiver-status.js';
import { checkWalName, walKey } from './layout.js';

export interface WaitArchivedOptions {
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal | undefined;
}

/** Resolves with the milliseconds waited; ARCHIVE_FAILING when the archiver fails on it or the time runs out. */
export async function waitArchived(storage: Storage, db: Db, walFile: string, options: WaitArchivedOptions): Promise<number> {
  const key = walKey(checkWalName(walFile));
  const started = Date.now();
  const pollMs = options.pollMs ?? 100;
  for (;;) {
    if (await storage.stat(key)) return Date.now() - started;
    const status = await archiverStatus(db);
    const problem = archivingProblem(status);
    if (problem !== null && (status.lastFailedWal === null || status.lastFailedWal >= walFile)) {
      throw new DbrollbackError('ARCHIVE_FAILING', `WAL segment ${walFile} is not being archived: ${problem}`, {
        hint: 'The server log\'s "archive command failed" lines say why; `dbrollback backups --check` shows the archive\'s state; `dbrollback archive-command` prints the archive_command to set.',
        details: { archiver: status },
      });
    }
    if (Date.now() - started >= options.timeoutMs) {
      throw new DbrollbackError('ARCHIVE_FAILING', `WAL segment ${walFile} did not reach the archive (${storage.url}) within ${Math.round(options.timeoutMs / 1000)} s (the server archived up to ${status.lastArchivedWal ?? 'nothing yet'})`, {
        hint: 'Check that archive_command is the one `dbrollback archive-command` prints for this storage (it runs `dbrollback wal-push %p`), and `dbrollback backups --check`.',
        details: { archiver: status },
      });
    }
    if (options.signal?.aborted) throw new DbrollbackError('INTERRUPTED', `stopped while waiting for WAL segment ${walFile} to be archived`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
