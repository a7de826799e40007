/**
 * dbrollback's own archive: base backups from `dbrollback base-backup` and
 * the WAL `dbrollback wal-push` keeps, both in the storage. The copy is the
 * base backup's tar extracted (sha256 checked against its manifest), and
 * PostgreSQL fetches its WAL with `dbrollback wal-fetch` as restore_command.
 */
import { DbrollbackError } from '../../errors.js';
import { osUserCanRead } from '../../pgtools/local-cluster.js';
import { childStorageAccess, type ChildStorageAccess } from '../../storage/child-access.js';
import type { ObjectInfo, Storage } from '../../storage/contract.js';
import { listBackups, loadManifest } from '../catalog.js';
import { baseCandidates, baseTar, recoveryTimeline } from '../pitr/base-candidates.js';
import { checkWalChain, type WalCoverage } from '../pitr/check-wal.js';
import { chooseBase, type ChosenBase } from '../pitr/choose-base.js';
import { extractBase } from '../pitr/extract.js';
import { walFetchSettings } from '../pitr/recovery-config.js';
import type { RecoveryTarget } from '../pitr/target.js';
import type { TimelineStretch } from '../pitr/timeline-path.js';
import { placeRestorePoint } from '../pitr/wal-restore-point.js';
import { STAGED_DIR, WalStager } from '../pitr/wal-stager.js';
import { WAL_PREFIX, walNameOfKey } from '../wal/layout.js';
import type { ArchiveBackup, Archiver, ArchiveView, LayDownOptions, RecoverySetup, StagingSettings, WalCheck, WalStaging } from './contract.js';

export interface DbrollbackArchiverOptions {
  /** How restore_command's wal-fetch opens the storage (default: childStorageAccess(storage) — the same URL and key). */
  storageAccess?: ChildStorageAccess;
}

export class DbrollbackArchiver implements Archiver {
  readonly kind = 'dbrollback' as const;
  readonly location: string;
  timeline: number | null = null;
  private readonly access: ChildStorageAccess;
  private wal: ObjectInfo[] = [];
  private timelines: TimelineStretch[] = [];
  private readonly chosen = new Map<string, ChosenBase>();

  constructor(
    private readonly storage: Storage,
    options: DbrollbackArchiverOptions = {},
  ) {
    this.location = `dbrollback's archive in ${storage.url}`;
    this.access = options.storageAccess ?? childStorageAccess(storage);
  }

  async preflight(osUser: string | undefined): Promise<void> {
    if (this.storage.kind === 'memory') {
      throw new DbrollbackError('USAGE', 'point-in-time restore needs a storage PostgreSQL can read WAL from (s3:// or a directory), not memory://', { hint: 'Pass --storage s3://BUCKET/PREFIX or --storage DIR.' });
    }
    await this.storage.check();
    const keyFile = this.access.keyFile;
    if (keyFile !== undefined && !(await osUserCanRead(keyFile, osUser))) {
      throw new DbrollbackError('USAGE', `the recovered server runs as the ${osUser} OS user, which cannot read the encryption key file ${keyFile}: its restore_command could not fetch any WAL`, {
        hint: `Nothing was written. Make the key file readable by ${osUser} (e.g. chgrp ${osUser} FILE && chmod 640 FILE), or give the key through DBROLLBACK_ENCRYPTION_KEY instead.`,
      });
    }
  }

  /** A restore point the storage holds no record of: placed by reading the archived WAL (wal-restore-point.ts). */
  async placeRestorePoint(target: Extract<RecoveryTarget, { kind: 'name' }>, onProgress?: (line: string) => void): Promise<RecoveryTarget> {
    const listing = await this.storage.list(WAL_PREFIX);
    const { path } = await recoveryTimeline(this.storage, listing);
    return placeRestorePoint(target, { storage: this.storage, listing, path, candidates: await baseCandidates(this.storage), ...(onProgress ? { onProgress } : {}) });
  }

  async chooseBackup(target: RecoveryTarget, forcedId: string | undefined): Promise<ArchiveBackup> {
    // Which timeline recovery follows is known from the archive before any backup is chosen.
    this.wal = await this.storage.list(WAL_PREFIX);
    const { timeline, path } = await recoveryTimeline(this.storage, this.wal);
    this.timeline = timeline;
    this.timelines = path;
    const base = chooseBase(await baseCandidates(this.storage), target, path, forcedId === 'latest' ? undefined : forcedId);
    this.chosen.set(base.id, base);
    const { manifest } = await baseTar(this.storage, base.id, 'Choose another base backup with --backup ID (`dbrollback backups`).');
    return { ...asArchiveBackup(base.id, base.base, manifest.sizeBytes), serverMajor: majorOf(manifest.serverVersion) };
  }

  async checkWal(backup: ArchiveBackup, target: RecoveryTarget): Promise<WalCheck> {
    const detail = (c: WalCoverage) => `${c.segments} segments archived, ${c.first} … ${c.last}`;
    const { coverage, readOn } = await checkWalChain(this.storage, this.base(backup), target, this.timeline ?? backup.timeline, this.wal);
    return {
      coverage,
      detail: readOn ? `${detail(coverage)}; reading on in the archived WAL (pg_waldump) for the first commit after the target, alongside the extract` : detail(coverage),
      readOn: readOn && (async () => {
        const full = await readOn();
        return { coverage: full, detail: `check-wal: ${detail(full)} (${full.upTo ? `a commit after the target is in ${full.last}: recovery stops there at the latest` : `the first commit after the target is in ${full.last}`})` };
      }),
    };
  }

  async layDown(backup: ArchiveBackup, _target: RecoveryTarget, dataDir: string, options: LayDownOptions): Promise<string> {
    const { manifest, tarKey } = await baseTar(this.storage, backup.id, 'Choose another base backup with --backup ID (`dbrollback backups`).');
    const r = await extractBase(this.storage, tarKey, dataDir, { osUser: options.osUser, sha256: manifest.sha256, sizeBytes: manifest.sizeBytes, onProgress: options.onProgress, signal: options.signal });
    return `${r.bytes} bytes, sha256 matches the manifest`;
  }

  recoverySetup(backup: ArchiveBackup, target: RecoveryTarget, walFetch: { node: string; cli: string }, options: { staged?: boolean } = {}): RecoverySetup {
    const staged = options.staged === true;
    const settings = walFetchSettings({ target, timeline: this.timeline ?? backup.timeline, node: walFetch.node, cli: walFetch.cli, storageArgs: this.access.args, ...(staged ? { stagedDir: STAGED_DIR } : {}) });
    return { settings, env: this.access.env, describe: `restore_command = ${staged ? `staged WAL from ${STAGED_DIR}, else ` : ''}wal-fetch${keyNote(this.access)}` };
  }

  async stageWal(backup: ArchiveBackup, dataDir: string, settings: StagingSettings): Promise<WalStaging> {
    const base = this.base(backup);
    return WalStager.start({ storage: this.storage, dataDir, listing: this.wal, timelines: this.timelines, fromSegment: base.base.startWal, segmentSize: base.base.walSegmentSize, ...settings });
  }

  async view(): Promise<ArchiveView> {
    const backups: ArchiveBackup[] = [];
    for (const listing of (await listBackups(this.storage)).filter((b) => b.kind === 'base' && b.status === 'complete')) {
      const manifest = await loadManifest(this.storage, listing.id, { kind: 'base' });
      if (manifest.base) backups.push({ ...asArchiveBackup(manifest.id, manifest.base, manifest.sizeBytes), serverMajor: majorOf(manifest.serverVersion) });
    }
    const names = (await this.storage.list(WAL_PREFIX)).flatMap((o) => {
      const file = walNameOfKey(o.key);
      return file?.kind === 'segment' ? [file.name] : [];
    });
    names.sort();
    return { archiver: 'dbrollback', location: this.location, backups: backups.reverse(), wal: names.length > 0 ? { min: names[0]!, max: names.at(-1)! } : null };
  }

  private base(backup: ArchiveBackup): ChosenBase {
    const base = this.chosen.get(backup.id);
    if (!base) throw new DbrollbackError('INTERNAL', `base backup ${backup.id} was not chosen by this archiver`);
    return base;
  }
}

function asArchiveBackup(id: string, base: ChosenBase['base'], sizeBytes: number): Omit<ArchiveBackup, 'serverMajor'> {
  return { id, timeline: base.timeline, startLsn: base.startLsn, stopLsn: base.stopLsn, startWal: base.startWal, stopWal: base.stopWal, startTime: base.startTime, stopTime: base.stopTime, sizeBytes };
}

function majorOf(version: string): number {
  return Number(/^(\d+)/.exec(version)?.[1] ?? 0);
}

/** How restore_command gets the storage's key, for the configure step's line. */
function keyNote(access: ChildStorageAccess): string {
  if (access.keyFile !== undefined) return ` (key file ${access.keyFile})`;
  return Object.keys(access.env).length > 0 ? ` (key in the server's environment: ${Object.keys(access.env).join(', ')})` : '';
}
