/**
 * Barman Cloud as the archiver — the object-store layout CloudNativePG
 * writes (barmanObjectStore): base backups from barman-cloud-backup and WAL
 * from barman-cloud-wal-archive under DESTINATION/SERVER_NAME/. dbrollback
 * reads the backups with `barman-cloud-backup-list --format json`, chooses
 * one (the newest that finished before the target), lays it down with
 *
 *   barman-cloud-restore [--endpoint-url URL] DESTINATION SERVER BACKUP_ID DIR
 *
 * and points the copy's restore_command at barman-cloud-wal-restore.
 * Credentials come from the cloud's own chain (AWS_* variables, a profile,
 * a workload identity) through the environment, never argv.
 */
import { DbrollbackError } from '../../errors.js';
import type { WalCoverage } from '../pitr/check-wal.js';
import { confString, shellQuote, targetSettings } from '../pitr/recovery-config.js';
import type { RecoveryTarget } from '../pitr/target.js';
import { parseLsn } from '../wal/layout.js';
import { chooseArchiveBackup } from './choose-backup.js';
import type { ArchiveBackup, Archiver, ArchiveView, LayDownOptions, RecoverySetup } from './contract.js';
import { archiverEnv, finishDataDir, prepareDataDir, requireProgram, runArchiverTool } from './tool.js';

export interface BarmanCloudSettings {
  /** s3://bucket/path (CloudNativePG's destinationPath). */
  destination: string;
  /** The folder under the destination (CloudNativePG: the cluster's name, or barmanObjectStore.serverName). */
  serverName: string;
  /** An S3-compatible endpoint (CloudNativePG's endpointURL). */
  endpoint?: string;
}

/** What the barman-cloud programs read their credentials and settings from. */
const ENV = /^(AWS_|AZURE_|GOOGLE_APPLICATION_CREDENTIALS$)/;

interface ListedBackup {
  backup_id: string;
  status: string;
  timeline: number;
  begin_xlog: string;
  end_xlog: string;
  begin_wal: string;
  end_wal: string;
  begin_time: string;
  end_time: string;
  size: number | null;
  version: number;
}

export class BarmanCloudArchiver implements Archiver {
  readonly kind = 'barman-cloud' as const;
  readonly location: string;
  readonly timeline = null;

  constructor(private readonly settings: BarmanCloudSettings) {
    this.location = `Barman Cloud ${settings.destination} server ${settings.serverName}${settings.endpoint ? ` (endpoint ${settings.endpoint})` : ''}`;
  }

  async preflight(): Promise<void> {
    await requireProgram('barman-cloud-restore', 'apt-get install barman-cli-cloud');
  }

  async chooseBackup(target: RecoveryTarget, forcedId: string | undefined): Promise<ArchiveBackup> {
    const view = await this.view();
    return chooseArchiveBackup(view.backups, target, forcedId, `Take one with barman-cloud-backup ${this.settings.destination} ${this.settings.serverName} (barman-cloud-backup-list lists them).`);
  }

  async checkWal(): Promise<{ coverage: WalCoverage | null; detail: string }> {
    // barman-cloud-backup-list shows no WAL range: the first segment missing ends recovery, and the recover step names it.
    return { coverage: null, detail: 'Barman Cloud lists no WAL range: barman-cloud-wal-restore fetches each segment during recovery' };
  }

  async layDown(backup: ArchiveBackup, _target: RecoveryTarget, dataDir: string, options: LayDownOptions): Promise<string> {
    await prepareDataDir(dataDir, options.osUser);
    await runArchiverTool('barman-cloud-restore', [...this.endpointArgs(), this.settings.destination, this.settings.serverName, backup.id, dataDir], archiverEnv(ENV), options.signal);
    await finishDataDir(dataDir, options.osUser);
    return `barman-cloud-restore ${backup.id} into ${dataDir}`;
  }

  recoverySetup(_backup: ArchiveBackup, target: RecoveryTarget): RecoverySetup {
    const word = (arg: string) => shellQuote(arg).replace(/%/g, '%%');
    const restore = ['barman-cloud-wal-restore', ...this.endpointArgs(), this.settings.destination, this.settings.serverName, '%f', '%p'].map((a) => (a === '%f' || a === '%p' ? a : word(a)));
    return {
      settings: [
        ['restore_command', confString(restore.join(' '))],
        ...targetSettings(target),
        // Barman Cloud follows whichever timeline is newest, as CloudNativePG's recovery does.
        ['recovery_target_timeline', confString('latest')],
        ['recovery_target_action', confString('promote')],
      ],
      env: archiverEnv(ENV),
      describe: 'restore_command = barman-cloud-wal-restore',
    };
  }

  async view(): Promise<ArchiveView> {
    const { stdout } = await runArchiverTool('barman-cloud-backup-list', [...this.endpointArgs(), '--format', 'json', this.settings.destination, this.settings.serverName], archiverEnv(ENV));
    return { archiver: 'barman-cloud', location: this.location, backups: parseBackupList(stdout), wal: null };
  }

  private endpointArgs(): string[] {
    return this.settings.endpoint ? ['--endpoint-url', this.settings.endpoint] : [];
  }
}

/** barman-cloud-backup-list --format json → the complete backups, oldest first. */
export function parseBackupList(json: string): ArchiveBackup[] {
  let parsed: { backups_list?: ListedBackup[] };
  try {
    parsed = JSON.parse(json) as { backups_list?: ListedBackup[] };
  } catch {
    throw new DbrollbackError('TOOL_FAILED', 'barman-cloud-backup-list --format json printed no JSON', { hint: 'Run it yourself to see what it says.' });
  }
  return (parsed.backups_list ?? [])
    .filter((b) => b.status === 'DONE')
    .map((b) => ({
      id: b.backup_id,
      timeline: b.timeline,
      startLsn: b.begin_xlog,
      stopLsn: b.end_xlog,
      startWal: b.begin_wal,
      stopWal: b.end_wal,
      startTime: ctimeUtc(b.begin_time),
      stopTime: ctimeUtc(b.end_time),
      sizeBytes: b.size,
      serverMajor: Math.floor(b.version / 10000),
    }))
    .sort((a, b) => (parseLsn(a.stopLsn) < parseLsn(b.stopLsn) ? -1 : parseLsn(a.stopLsn) > parseLsn(b.stopLsn) ? 1 : 0));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Barman prints begin/end times as ctime ("Sun Dec  6 09:33:39 2026"), without
 * their zone: they are the backup host's clock, which in CloudNativePG's
 * containers is UTC. Read as UTC; LSN targets (and --before-migration, which
 * knows its LSN) do not depend on it.
 */
export function ctimeUtc(text: string): string {
  const m = /^\w{3} (\w{3})\s+(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(text.trim());
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) throw new DbrollbackError('TOOL_FAILED', `barman-cloud-backup-list printed a time dbrollback cannot read: ${JSON.stringify(text)}`, { hint: 'Use an LSN target (--lsn) or --backup ID instead.' });
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))).toISOString();
}
