/**
 * Archivers: who keeps the base backups and the WAL a point-in-time restore
 * starts from. dbrollback's own archive (`wal-push`, `base-backup`), or the
 * archive a team already runs — pgBackRest, Barman Cloud (CloudNativePG's
 * format). A restore drives the member's own tool to lay the copy down;
 * starting the server, following recovery, the verify gate and the audit
 * record are the same for every member (pitr-restore.ts).
 *
 * One member per file, each answering the restore's checklist steps:
 *   choose-base → check-wal → extract (lay down) → configure (recovery settings)
 * and `backups --check` / `plan` (the tool's view of its archive).
 *
 * The restore points `migrate` makes are WAL records, so they are in every
 * archive; the catalog mapping a migration to its restore point's name, LSN,
 * time and timeline stays in dbrollback's storage whoever archives.
 */
import type { ProgressListener } from '../../progress.js';
import type { BaseInfo } from '../base/base-info.js';
import type { WalCoverage } from '../pitr/check-wal.js';
import type { RecoveryTarget } from '../pitr/target.js';
import type { StagingReport } from '../pitr/wal-stager.js';

export const ARCHIVER_KINDS = ['dbrollback', 'pgbackrest', 'barman-cloud'] as const;
export type ArchiverKind = (typeof ARCHIVER_KINDS)[number];

/** Which archiver, and how to reach its archive (the config's `archiver`, `stanza`, `pgbackrestConfig`, `barman*` keys). */
export type ArchiverSettings =
  | { kind: 'dbrollback' }
  | { kind: 'pgbackrest'; stanza: string; config?: string }
  | { kind: 'barman-cloud'; destination: string; serverName: string; endpoint?: string };

/**
 * One base backup as its archiver lists it: where its WAL starts and stops, on which timeline and when —
 * the fields the manifest of a base backup taken by dbrollback records (BaseInfo), whoever took it.
 */
export interface ArchiveBackup extends Pick<BaseInfo, 'timeline' | 'startLsn' | 'stopLsn' | 'startWal' | 'stopWal' | 'startTime' | 'stopTime'> {
  /** The archiver's id: a dbrollback backup id, a pgBackRest label, a Barman backup id. */
  id: string;
  sizeBytes: number | null;
  /** The server's major version the backup was taken of. */
  serverMajor: number;
}

/** The archiver's own account of its archive, as its tool prints it. */
export interface ArchiveView {
  archiver: ArchiverKind;
  /** Where, for people: "pgBackRest stanza main", "Barman Cloud s3://… server pg-main". */
  location: string;
  /** Complete backups, oldest first. */
  backups: ArchiveBackup[];
  /** The WAL range the archiver reports holding (pgBackRest); null when its tool does not say (Barman Cloud). */
  wal: { min: string; max: string } | null;
}

export interface LayDownOptions {
  /** The server's OS user (postgres when we run as root): the copy's files must be its own. */
  osUser: string | undefined;
  onProgress?: ProgressListener;
  signal?: AbortSignal | undefined;
}

/** What the configure step writes for this archiver, beyond the settings every copy gets. */
export interface RecoverySetup {
  /** postgresql.conf settings (values already quoted): restore_command and the target, when the tool did not write them. */
  settings: Array<[string, string]>;
  /** The server's environment: what its restore_command needs (a key, cloud credentials), never in postgresql.auto.conf. */
  env: Record<string, string>;
  /** For the configure step's line. */
  describe: string;
}

/** How far ahead of replay, and with how many parallel fetches, WAL is staged; whose files the staged ones are. */
export interface StagingSettings {
  ahead?: number;
  workers?: number;
  /** uid/gid of the server's OS user, when it is not ours. */
  owner?: readonly [number, number];
}

/** WAL being staged ahead of replay while the server recovers. */
export interface WalStaging {
  /** The server restored this file (its log says so): the window moves on. */
  consumed(name: string): void;
  /** Stop fetching, remove the spool, and say what was staged and taken. */
  stop(): Promise<StagingReport>;
}

/** What check-wal found, and what it still has to read (null: nothing). */
export interface WalCheck {
  coverage: WalCoverage | null;
  detail: string;
  readOn?: (() => Promise<{ coverage: WalCoverage; detail: string }>) | null;
}

/** A restore's view of one archiver: the steps before the server starts. */
export interface Archiver {
  readonly kind: ArchiverKind;
  /** For people: "dbrollback's archive in s3://…", "pgBackRest stanza main". */
  readonly location: string;
  /** Read-only checks that fail with exit 2 before anything is written (a key the server could not read, …). */
  preflight(osUser: string | undefined): Promise<void>;
  /**
   * A restore point the storage holds no record of, placed in the archived WAL (read-only, before
   * choose-base); absent when the archiver cannot read its WAL here (recovery then starts from the oldest
   * base backup, which starts before any point made after it).
   */
  placeRestorePoint?(target: Extract<RecoveryTarget, { kind: 'name' }>, onProgress?: (line: string) => void): Promise<RecoveryTarget>;
  /** choose-base (read-only): the backup recovery starts from. */
  chooseBackup(target: RecoveryTarget, forcedId: string | undefined): Promise<ArchiveBackup>;
  /**
   * check-wal (read-only): the WAL from the backup to the target is in the archive; null with a reason when the tool
   * checks it itself during recovery. `readOn`: the slow rest of the check (reading the archived WAL), which the
   * restore runs alongside the extract and waits for before the server starts.
   */
  checkWal(backup: ArchiveBackup, target: RecoveryTarget): Promise<WalCheck>;
  /** The timeline recovery follows, once chosen (null: the newest, as the tool finds it). */
  readonly timeline: number | null;
  /** extract: the backup laid down in `dataDir` (created or empty, 0700, the server's OS user's). Returns the step's line. */
  layDown(backup: ArchiveBackup, target: RecoveryTarget, dataDir: string, options: LayDownOptions): Promise<string>;
  /** configure: restore_command and the target, as this archiver needs them; `staged`: restore_command takes files stageWal puts in the spool first. */
  recoverySetup(backup: ArchiveBackup, target: RecoveryTarget, walFetch: { node: string; cli: string }, options?: { staged?: boolean }): RecoverySetup;
  /**
   * Started after configure, before the server: the restore run fetches the WAL recovery will ask for next into
   * the copy's spool, in parallel (dbrollback's own archive). Absent for a member whose tool fetches WAL itself.
   */
  stageWal?(backup: ArchiveBackup, dataDir: string, settings: StagingSettings): Promise<WalStaging>;
  /** `backups --check` and `plan`: the archive as the tool lists it. */
  view(): Promise<ArchiveView>;
}
