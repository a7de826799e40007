import type { Command } from 'commander';
import { baseBackup, openStorage } from '../../index.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../program.js';
import { backupJson } from './backup.js';

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
    async (config, io, opts) => {
      const storage = openStorage(config.storage, { cwd: config.cwd });
      try {
        const result = await baseBackup({
          conn: config.conn,
          storage,
          label: opts.label,
          readback: opts.readback !== false,
          onStep: (line) => io.log(line),
          onProgress: progressPrinter(io),
        });
        const m = result.manifest;
        // stdout carries only the id, as for `backup`.
        return { json: { backup: { ...backupJson(m, storage.url), base: m.base } }, human: m.id };
      } finally {
        await storage.close();
      }
    },
  );
}
