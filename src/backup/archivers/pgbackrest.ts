/**
 * pgBackRest as the archiver: the team's stanza keeps the base backups and
 * the WAL (archive_command = pgbackrest archive-push). dbrollback reads the
 * stanza with `pgbackrest info --output=json`, chooses the backup set itself
 * (the newest that finished before the target; pgBackRest 2.x picks a set
 * by itself only for time targets), and drives
 *
 *   pgbackrest --stanza=S [--config=F] --pg1-path=DIR --set=LABEL
 *     --type=time|lsn|name --target=T --target-action=promote restore
 *
 * which lays the copy down in DIR and writes its recovery settings
 * (restore_command = pgbackrest archive-get, the target) itself.
 * `--log-level-file=off` keeps our runs, and the copy's archive-get, out of
 * the production stanza's log directory.
 */
import { DbrollbackError } from '../../errors.js';
import type { WalCoverage } from '../pitr/check-wal.js';
import type { RecoveryTarget } from '../pitr/target.js';
import { DEFAULT_SEGMENT_SIZE, formatLsn, lsnSegment, segmentName, timelineHex } from '../wal/layout.js';
import { chooseArchiveBackup } from './choose-backup.js';
import type { ArchiveBackup, Archiver, ArchiveView, LayDownOptions, RecoverySetup } from './contract.js';
import { archiverEnv, finishDataDir, prepareDataDir, requireProgram, runArchiverTool } from './tool.js';

export interface PgBackRestSettings {
  stanza: string;
  /** pgbackrest.conf, when not the default (/etc/pgbackrest/pgbackrest.conf). */
  config?: string;
}

/** pgBackRest reads options from PGBACKREST_* variables (repo credentials among them): they travel in the environment. */
const ENV = /^PGBACKREST_/;

interface InfoBackup {
  label: string;
  error?: boolean;
  type: string;
  archive: { start: string | null; stop: string | null };
  lsn?: { start: string; stop: string };
  timestamp: { start: number; stop: number };
  info?: { size?: number };
  database: { id: number };
}

interface InfoStanza {
  name: string;
  status: { code: number; message: string };
  db: Array<{ id: number; version: string }>;
  archive: Array<{ database: { id: number }; min: string | null; max: string | null }>;
  backup: InfoBackup[];
}

export class PgBackRestArchiver implements Archiver {
  readonly kind = 'pgbackrest' as const;
  readonly location: string;
  readonly timeline = null;
  private lastView: ArchiveView | null = null;

  constructor(private readonly settings: PgBackRestSettings) {
    this.location = `pgBackRest stanza ${settings.stanza}${settings.config ? ` (${settings.config})` : ''}`;
  }

  async preflight(): Promise<void> {
    await requireProgram('pgbackrest', 'apt-get install pgbackrest');
  }

  async chooseBackup(target: RecoveryTarget, forcedId: string | undefined): Promise<ArchiveBackup> {
    const view = await this.view();
    return chooseArchiveBackup(view.backups, target, forcedId, `Take one with pgbackrest --stanza=${this.settings.stanza} backup (\`pgbackrest info\` lists the sets).`);
  }

  async checkWal(backup: ArchiveBackup, target: RecoveryTarget): Promise<{ coverage: WalCoverage | null; detail: string }> {
    const wal = (this.lastView ?? (await this.view())).wal;
    if (!wal) throw walMissing(`${this.location} reports no archived WAL`, backup.stopWal);
    // Positions compare across timelines: a segment name is its timeline, then its position.
    const position = (segment: string) => segment.slice(8);
    const upTo = target.kind === 'lsn' ? target.lsn : target.kind === 'name' && target.at ? target.at.lsn : null;
    const needed = upTo !== null ? walOfLsn(backup.timeline, upTo) : backup.stopWal;
    if (position(wal.max) < position(needed)) throw walMissing(`${this.location}'s archive ends with ${wal.max}, before ${needed} (${upTo !== null ? target.display : `the end of backup ${backup.id}`})`, needed);
    return { coverage: null, detail: `pgBackRest reports WAL ${wal.min} … ${wal.max} archived; archive-get fetches it during recovery` };
  }

  async layDown(backup: ArchiveBackup, target: RecoveryTarget, dataDir: string, options: LayDownOptions): Promise<string> {
    const type = targetArgs(target);
    await prepareDataDir(dataDir, options.osUser);
    await runArchiverTool('pgbackrest', [...this.common(), `--pg1-path=${dataDir}`, `--set=${backup.id}`, ...type, 'restore'], archiverEnv(ENV), options.signal);
    await finishDataDir(dataDir, options.osUser);
    return `pgbackrest restore --set=${backup.id} ${type.join(' ')} into ${dataDir}`;
  }

  recoverySetup(): RecoverySetup {
    // pgbackrest restore wrote restore_command (archive-get, with this stanza and config) and the target itself.
    return { settings: [], env: archiverEnv(ENV), describe: 'restore_command = pgbackrest archive-get (written by pgbackrest restore)' };
  }

  async view(): Promise<ArchiveView> {
    const { stdout } = await runArchiverTool('pgbackrest', [...this.common(), 'info', '--output=json'], archiverEnv(ENV));
    const stanza = parseInfo(stdout, this.settings.stanza);
    // 2 = "no valid backups": a stanza that exists, with nothing to restore yet.
    if (stanza.status.code !== 0 && stanza.status.code !== 2) {
      throw new DbrollbackError('TOOL_FAILED', `pgbackrest info: stanza ${this.settings.stanza} is not usable: ${stanza.status.message} (status ${stanza.status.code})`, {
        hint: `Check the stanza with pgbackrest --stanza=${this.settings.stanza} check${this.settings.config ? ` --config=${this.settings.config}` : ''}. Nothing was written.`,
      });
    }
    const versions = new Map(stanza.db.map((d) => [d.id, Number.parseInt(d.version, 10)]));
    const backups = stanza.backup.filter((b) => !b.error && b.lsn && b.archive.start && b.archive.stop).map((b): ArchiveBackup => ({
      id: b.label,
      timeline: Number.parseInt(b.archive.start!.slice(0, 8), 16),
      startLsn: b.lsn!.start,
      stopLsn: b.lsn!.stop,
      startWal: b.archive.start!,
      stopWal: b.archive.stop!,
      startTime: new Date(b.timestamp.start * 1000).toISOString(),
      stopTime: new Date(b.timestamp.stop * 1000).toISOString(),
      sizeBytes: b.info?.size ?? null,
      serverMajor: versions.get(b.database.id) ?? 0,
    }));
    const current = stanza.db.at(-1)?.id;
    const archive = stanza.archive.find((a) => a.database.id === current);
    this.lastView = { archiver: 'pgbackrest', location: this.location, backups, wal: archive?.min && archive.max ? { min: archive.min, max: archive.max } : null };
    return this.lastView;
  }

  private common(): string[] {
    return [...(this.settings.config ? [`--config=${this.settings.config}`] : []), `--stanza=${this.settings.stanza}`, '--log-level-file=off', '--log-level-console=warn'];
  }
}

/** pgbackrest restore's --type and --target for a recovery target. */
export function targetArgs(target: RecoveryTarget): string[] {
  switch (target.kind) {
    case 'time':
      return ['--type=time', `--target=${target.setting}`, '--target-action=promote'];
    case 'lsn':
      return ['--type=lsn', `--target=${target.setting}`, '--target-action=promote'];
    case 'name':
      // An earlier point of the same name would stop recovery first: as recovery-config.ts does, stop just before the first record after this point's LSN.
      if (target.at && target.at.earlier !== null) return ['--type=lsn', `--target=${formatLsn(target.at.lsn)}`, '--target-exclusive', '--target-action=promote'];
      return ['--type=name', `--target=${target.setting}`, '--target-action=promote'];
    case 'end':
      // Recover to the end of the archive, then promote (PostgreSQL's default with no target).
      return ['--type=default'];
  }
}

export function parseInfo(json: string, stanza: string): InfoStanza {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new DbrollbackError('TOOL_FAILED', 'pgbackrest info --output=json printed no JSON', { hint: 'Run pgbackrest info --output=json yourself to see what it says.' });
  }
  const found = Array.isArray(parsed) ? (parsed as InfoStanza[]).find((s) => s.name === stanza) : undefined;
  if (!found) throw new DbrollbackError('USAGE', `pgBackRest knows no stanza ${stanza}`, { hint: 'Check --stanza (config: stanza) and --pgbackrest-config (config: pgbackrestConfig). Nothing was written.' });
  return found;
}

function walOfLsn(timeline: number, lsn: bigint): string {
  return segmentName(timelineHex(timeline), lsnSegment(lsn, DEFAULT_SEGMENT_SIZE), DEFAULT_SEGMENT_SIZE);
}

function walMissing(message: string, segment: string): DbrollbackError {
  return new DbrollbackError('WAL_MISSING', `${message}: recovery could not reach the target`, {
    hint: 'Nothing was written. If the primary is running, archive its current segment (SELECT pg_switch_wal();) and check with `pgbackrest check` and `dbrollback backups --check`; or choose an earlier target.',
    details: { missingSegment: segment },
  });
}
