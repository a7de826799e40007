import type { Command } from 'commander';
import { baseBackupRun } from '../../index.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { backupRunResult } from '../render/backups.js';

interface BaseBackupFlags {
  label?: string;
  readback?: boolean;
}

export function registerBaseBackup(program: Command, registrar: CommandRegistrar): void {
  registrar.action<BaseBackupFlags>(
    program
      .command('base-backup')
      .description('physical base backup (pg_basebackup) streamed to storage, for point-in-time restore with the WAL archive; prints the backup id')
      .option('--label <label>', 'a note stored in the manifest')
      .option('--no-readback', 'do not read the tar back to check its sha256 (recorded: verified false)'),
    async (run, io, opts) => {
      const report = await baseBackupRun({
        conn: run.conn,
        storage: run.storage,
        label: opts.label,
        readback: opts.readback !== false,
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
