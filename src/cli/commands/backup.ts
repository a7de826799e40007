import type { Command } from 'commander';
import { backupRun } from '../../index.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { backupRunResult } from '../render/backups.js';

interface BackupFlags {
  label?: string;
  readback?: boolean;
}

export function registerBackup(program: Command, registrar: CommandRegistrar): void {
  registrar.action<BackupFlags>(
    program
      .command('backup')
      .description('logical backup (pg_dump) streamed to storage, read back and checked; prints the backup id')
      .option('--label <label>', 'a note stored in the manifest (e.g. "before release 42")')
      .option('--no-readback', 'do not read the dump back to check its sha256 (recorded: verified false)'),
    async (run, io, opts) => {
      const report = await backupRun(run, {
        label: opts.label,
        readback: opts.readback !== false,
        onStep: (line) => io.log(line),
        onProgress: progressPrinter(io),
        commandLine: io.commandLine,
      });
      return backupRunResult(report, run.storage.url);
    },
    { stopsAtSafePoints: true },
  );
}
