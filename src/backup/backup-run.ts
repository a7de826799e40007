/**
 * `dbrollback backup` and `base-backup` as recorded runs: journaled in the
 * storage while they run (a killed backup is shown as interrupted, and since
 * its manifest was never written it is never listed as usable), and ending
 * with an audit record like every mutating command.
 */
import { oneStepRun, type OneStepRun } from '../audit/runbook.js';
import { describeConn } from '../db/conninfo.js';
import { backup, type BackupOptions, type BackupResult, type BackupSource } from './backup.js';
import { baseBackup, type BaseBackupOptions, type BaseBackupResult } from './base/base-backup.js';

export interface BackupRunOptions extends BackupOptions {
  /** The command line, for the journal and the audit record (secrets are removed). */
  commandLine?: string[];
}

export type BackupRunReport = OneStepRun<BackupResult>;

export async function backupRun(source: BackupSource, options: BackupRunOptions = {}): Promise<BackupRunReport> {
  return oneStepRun(
    source.storage,
    { command: 'backup', step: 'backup', database: describeConn(source.conn), commandLine: options.commandLine, signal: source.signal, onStep: options.onStep },
    // Journaled from the moment pg_dump starts: a backup refused on its checks leaves nothing in the storage.
    (started) => backup(source, { ...options, onDumpStart: (id) => (started(), options.onDumpStart?.(id)) }),
    (r) => ({ backupId: r?.manifest.id ?? null }),
  );
}

export interface BaseBackupRunOptions extends Omit<BaseBackupOptions, 'onStart'> {
  /** The command line, for the journal and the audit record (secrets are removed). */
  commandLine?: string[];
}

export type BaseBackupRunReport = OneStepRun<BaseBackupResult>;

export async function baseBackupRun(options: BaseBackupRunOptions): Promise<BaseBackupRunReport> {
  return oneStepRun(
    options.storage,
    { command: 'base-backup', step: 'base-backup', database: describeConn(options.conn), commandLine: options.commandLine, signal: options.signal, onStep: options.onStep },
    // Journaled from the moment pg_basebackup starts: a base backup refused on its checks leaves nothing in the storage.
    (started) => baseBackup({ ...options, onStart: () => started() }),
    (r) => ({ backupId: r?.manifest.id ?? null }),
  );
}
