import type { Command } from 'commander';
import { baseBackupRun } from '../../index.js';
import { durationFlag } from '../flags.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { backupRunResult } from '../render/backups.js';

interface BaseBackupFlags {
  label?: string;
  readback?: boolean;
  archiveTimeout?: string;
}

export function registerBaseBackup(program: Command, registrar: CommandRegistrar): void {
  registrar.action<BaseBackupFlags>(
    program
      .command('base-backup')
      .description('physical base backup (pg_basebackup) streamed to storage, for point-in-time restore with the WAL archive; prints the backup id')
      .option('--label <label>', 'a note stored in the manifest')
      .option('--no-readback', 'do not read the tar back to check its sha256 (recorded: verified false)')
      .option('--archive-timeout <duration>', "how long to wait for the archive to receive the backup's last WAL segment before failing with the archiver's last failure (default 60s)", durationFlag('--archive-timeout')),
    async (run, io, opts) => {
      const report = await baseBackupRun({
        conn: run.conn,
        storage: run.storage,
        label: opts.label,
        readback: opts.readback !== false,
        archiveTimeout: opts.archiveTimeout,
        onStep: (line) => io.log(line),
        onProgress: progressPrinter(io),
        commandLine: io.commandLine,
        signal: run.signal,
      });
      return backupRunResult(report, run.storage.url);
    },
    { stopsAtSafePoints: true },
  );
}
