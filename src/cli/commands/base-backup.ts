import type { Command } from 'commander';
import { baseBackup, describeConn, oneStepRun } from '../../index.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { backupJson } from '../render/backups.js';

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
      const storage = run.storage;
      const report = await oneStepRun(
        storage,
        { command: 'base-backup', step: 'base-backup', database: describeConn(run.conn), commandLine: io.commandLine, signal: run.signal, onStep: (line) => io.log(line) },
        (started) => baseBackup({
          conn: run.conn,
          storage,
          label: opts.label,
          readback: opts.readback !== false,
          onStep: (line) => io.log(line),
          onProgress: progressPrinter(io),
          onStart: started,
          signal: run.signal,
        }),
        (r) => ({ backupId: r?.manifest.id ?? null }),
      );
      if (!report.result) return { json: { ok: false, steps: report.steps, auditKey: report.auditKey, error: report.error?.toJSON() }, human: '', error: report.error };
      const m = report.result.manifest;
      // stdout carries only the id, as for `backup`.
      return { json: { ok: true, backup: { ...backupJson(m, storage.url), base: m.base }, auditKey: report.auditKey }, human: m.id };
    },
    { stopsAtSafePoints: true },
  );
}
