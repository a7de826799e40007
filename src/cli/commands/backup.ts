import type { Command } from 'commander';
import { backup, type BackupManifest } from '../../index.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../program.js';

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
    async (config, io, opts) => {
      const result = await backup(config, {
        label: opts.label,
        readback: opts.readback !== false,
        onStep: (line) => io.log(line),
        onProgress: progressPrinter(io),
      });
      // stdout carries only the id, so `id=$(dbrollback backup)` works; details went to stderr.
      return { json: { backup: backupJson(result.manifest, result.storage) }, human: result.manifest.id };
    },
  );
}

export function backupJson(m: BackupManifest, storage: string) {
  return {
    id: m.id,
    kind: m.kind,
    createdAt: m.createdAt,
    sizeBytes: m.sizeBytes,
    sha256: m.sha256,
    migrationHead: m.migrationHead,
    serverVersion: m.serverVersion,
    label: m.label,
    database: m.database,
    verified: m.verified,
    pgDumpVersion: m.pgDumpVersion,
    migrator: m.migrator,
    tableCount: m.tables.length,
    objects: m.objects,
    storage,
    durationMs: m.durationMs ?? null,
  };
}
