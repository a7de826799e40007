/**
 * What a `restore` asks for, decided before anything runs: a logical restore
 * of a backup, a point-in-time copy in a new data directory, or only some
 * tables recovered into a database — and, for `--before-migration NAME`, the
 * exact target that means. Combinations that do not go together are refused
 * here (exit 2, nothing touched), so every caller (the CLI among them) routes
 * the same way.
 */
import { DbrollbackError } from '../../errors.js';
import type { MigrationStatus } from '../../tools/contract.js';
import type { Storage } from '../../storage/contract.js';
import { beforeMigrationTarget, type BeforeMigrationTarget } from './resolve-target.js';
import { loadManifest } from '../../backup/catalog.js';
import type { BackupManifest } from '../../backup/manifest.js';
import { partialNotWhole } from '../../backup/restore/restore.js';

export interface RestoreRequest {
  /** A logical backup id, 'latest', or with --before-migration 'auto'; with a point-in-time target, the base backup to start from. */
  backup?: string;
  targetDatabase?: string;
  pointInTime?: string;
  lsn?: string;
  restorePoint?: string;
  /** Not a flag: the LSN of the recorded restore point --before-migration resolved to (one name can be recorded more than once). */
  restorePointLsn?: string;
  timezone?: string;
  dataDir?: string;
  port?: number;
  recoveryTimeout?: number;
  beforeMigration?: string;
  /** `schema.table,...` to recover into `intoDatabase`. */
  tables?: string;
  intoDatabase?: string;
  replace?: boolean;
  /** Print a recovery manifest for the platform instead of restoring: 'cloudnative-pg'. */
  emit?: string;
  /** With --emit cloudnative-pg: the new Cluster's name. */
  cluster?: string;
  /** With --emit cloudnative-pg: the Secret with the object store's ACCESS_KEY_ID / ACCESS_SECRET_KEY (else the workload's cloud identity). */
  credentialsSecret?: string;
  /** With --emit cloudnative-pg: spec.storage.size (default 10Gi). */
  volumeSize?: string;
}

/**
 * `partial`: tables restored from a logical backup — a partial one (undo --backup tables), or --tables of a whole one
 * (`--backup ID`, or `--before-migration NAME --backup auto`); `emit`: a recovery manifest printed, not run.
 */
export type RestoreKind = 'logical' | 'point-in-time' | 'tables' | 'partial' | 'emit';

export interface ResolvedRestore {
  kind: RestoreKind;
  /** The request with --before-migration turned into the target it means (a restore point, a time, or a backup id). */
  request: RestoreRequest;
  beforeMigration: BeforeMigrationTarget | null;
  /** The backup's manifest, read to route the request (logical and partial restores). */
  manifest?: BackupManifest;
}

/** Which restore the request asks for; a combination that does not go together is bad usage. */
export function restoreKind(r: RestoreRequest): RestoreKind {
  if (r.emit !== undefined) {
    checkEmit(r);
    return 'emit';
  }
  if (r.cluster !== undefined || r.credentialsSecret !== undefined || r.volumeSize !== undefined) {
    throw new DbrollbackError('USAGE', '--cluster, --credentials-secret and --volume-size go with --emit cloudnative-pg', { hint: 'e.g. dbrollback restore --before-migration NAME --emit cloudnative-pg --cluster NAME-restored' });
  }
  // --backup ID with table options: a backup's tables (checked against its manifest in resolveRestore).
  const pitrTarget = [r.pointInTime, r.lsn, r.restorePoint, r.beforeMigration, r.dataDir].some((v) => v !== undefined);
  const tableOptions = r.tables !== undefined || r.intoDatabase !== undefined || r.replace;
  if (r.backup !== undefined && !pitrTarget && tableOptions) {
    if (r.targetDatabase !== undefined) throw new DbrollbackError('USAGE', '--target-database restores a whole backup; --tables, --into-database and --replace restore some of its tables', { hint: 'Give one or the other. Nothing was changed.' });
    return 'partial';
  }
  // --before-migration NAME --backup auto with table options: those tables from the logical backup taken at the head before NAME.
  if (r.beforeMigration !== undefined && r.backup === 'auto' && tableOptions) return beforeMigrationTablesKind(r);
  if (r.tables !== undefined) {
    checkTables(r);
    return 'tables';
  }
  if (r.intoDatabase !== undefined || r.replace) {
    throw new DbrollbackError('USAGE', '--into-database and --replace go with --tables', { hint: 'e.g. dbrollback restore --before-migration NAME --tables public.orders --into-database URL' });
  }
  if (r.beforeMigration !== undefined) return beforeMigrationKind(r);
  const pointInTime = [r.pointInTime, r.lsn, r.restorePoint, r.timezone, r.dataDir, r.port, r.recoveryTimeout].some((v) => v !== undefined);
  if (pointInTime) {
    if (r.dataDir === undefined) {
      throw new DbrollbackError('USAGE', 'a point-in-time restore needs --data-dir DIR (a new or empty directory for the recovered cluster)', {
        hint: 'e.g. dbrollback restore --point-in-time "2026-01-02 14:30:00+01:00" --data-dir /var/lib/postgresql/pitr',
      });
    }
    return 'point-in-time';
  }
  if (r.backup === undefined) {
    throw new DbrollbackError('USAGE', 'restore needs --backup ID|latest', { hint: 'List backups with `dbrollback backups`; e.g. dbrollback restore --backup latest --target-database URL.' });
  }
  return 'logical';
}

/**
 * The request's kind, with --before-migration resolved through the run's migration history
 * and the records in its storage (its warnings travel in `beforeMigration.warnings`).
 */
export async function resolveRestore(
  run: { readonly storage: Storage; readonly conn: { database: string }; adapter(): Promise<{ status(): Promise<MigrationStatus> }> },
  request: RestoreRequest,
): Promise<ResolvedRestore> {
  const kind = restoreKind(request);
  // "latest" is never a partial backup: the whole-database restore reads it (and checks --yes first); with --tables, the
  // newest whole backup of the configured database gives those tables.
  if (request.beforeMigration === undefined && (kind === 'partial' || (kind === 'logical' && request.backup !== 'latest'))) {
    // A partial backup is restored table by table; asked for as a whole database, it is refused naming what it covers.
    // A backup that cannot be read is the whole-database restore's to report, in its own order of checks.
    const manifest = kind === 'partial' ? await loadManifest(run.storage, request.backup!, { kind: 'logical', database: run.conn.database }) : await loadManifest(run.storage, request.backup!, { kind: 'logical' }).catch(() => null);
    if (manifest === null) return { kind, request, beforeMigration: null };
    if (manifest.partial && kind === 'logical' && request.targetDatabase !== undefined) throw partialNotWhole(manifest, request.targetDatabase);
    if (!manifest.partial && kind === 'partial') assertTablesNamed(manifest, request);
    return { kind: manifest.partial ? 'partial' : kind, request, beforeMigration: null, manifest };
  }
  if (request.beforeMigration === undefined) return { kind, request, beforeMigration: null };
  const before = await beforeMigrationTarget(run, request.beforeMigration, kind === 'logical' || kind === 'partial' ? 'backup' : 'pitr');
  // The manifest's target is the restore point's LSN (see backup/archivers/cloudnative-pg.ts for why not its name).
  if (kind === 'emit' && before.kind === 'restore-point') return { kind, request: { ...request, lsn: before.point.lsn }, beforeMigration: before };
  // The migration by its own name from here on (the user may have named it by a version or tag).
  const named = { ...request, beforeMigration: before.migration };
  const resolved =
    before.kind === 'restore-point'
      ? { ...named, restorePoint: before.point.name, restorePointLsn: before.point.lsn }
      : before.kind === 'applied-at'
        ? { ...named, pointInTime: before.time }
        : { ...named, backup: before.backupId };
  // The tables of the backup resolved: restored table by table, as --backup ID --tables does.
  if (kind === 'partial') return { kind, request: resolved, beforeMigration: before, manifest: await loadManifest(run.storage, resolved.backup!, { kind: 'logical' }) };
  return { kind, request: resolved, beforeMigration: before };
}

/** A whole backup restores some of its tables only when they are named: --into-database or --replace alone are a mistake. */
function assertTablesNamed(manifest: BackupManifest, request: RestoreRequest): void {
  if (request.tables !== undefined) return;
  throw new DbrollbackError('USAGE', `backup ${manifest.id} is a whole-database backup: --into-database and --replace restore the tables named with --tables`, {
    hint: `Name them (dbrollback restore --backup ${manifest.id} --tables public.orders --into-database URL), or restore it whole (dbrollback restore --backup ${manifest.id} --target-database URL). Nothing was changed.`,
  });
}

/** --emit prints a manifest and restores nothing here: one target, a cluster name, none of a local restore's flags. */
function checkEmit(r: RestoreRequest): void {
  const example = 'e.g. dbrollback restore --before-migration NAME --emit cloudnative-pg --cluster NAME-restored';
  if (r.emit !== 'cloudnative-pg') throw new DbrollbackError('USAGE', `--emit ${r.emit}: the only manifest dbrollback emits is cloudnative-pg`, { hint: example });
  if (r.cluster === undefined || !/^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$/.test(r.cluster)) {
    throw new DbrollbackError('USAGE', r.cluster === undefined ? '--emit cloudnative-pg needs --cluster NAME (the new Cluster\'s name)' : `--cluster ${JSON.stringify(r.cluster)} is not a Kubernetes name (lower-case letters, digits and '-', at most 50 characters)`, { hint: example });
  }
  const local: string[] = ([['--data-dir', r.dataDir], ['--port', r.port], ['--tables', r.tables], ['--into-database', r.intoDatabase], ['--backup', r.backup], ['--target-database', r.targetDatabase], ['--recovery-timeout', r.recoveryTimeout]] as const).filter(([, v]) => v !== undefined).map(([f]) => f);
  if (r.replace) local.push('--replace');
  if (local.length > 0) throw new DbrollbackError('USAGE', `--emit cloudnative-pg prints a manifest and restores nothing here: ${local.join(', ')} do not apply`, { hint: example });
  if (r.beforeMigration !== undefined) return checkOneTarget(r);
  if (r.restorePoint !== undefined) {
    throw new DbrollbackError('USAGE', '--emit cloudnative-pg takes --before-migration NAME, --lsn L or --point-in-time T, not --restore-point', {
      hint: 'CloudNativePG picks the base backup by itself only for an LSN or a time target; --before-migration turns the restore point into its LSN.',
    });
  }
  if ((r.lsn === undefined) === (r.pointInTime === undefined)) throw new DbrollbackError('USAGE', '--emit cloudnative-pg needs one target: --before-migration NAME, --lsn L or --point-in-time T', { hint: example });
}

/** --tables recovers into --into-database from a throwaway instance: no --data-dir, no --backup; a target is needed. */
function checkTables(r: RestoreRequest): void {
  if (r.intoDatabase === undefined) {
    throw new DbrollbackError('USAGE', '--tables needs --into-database URL (the database the recovered tables are copied into)', { hint: 'e.g. dbrollback restore --before-migration NAME --tables public.orders --into-database "$DATABASE_URL"' });
  }
  if (r.dataDir !== undefined || r.backup !== undefined || r.targetDatabase !== undefined) {
    throw new DbrollbackError('USAGE', '--tables recovers in a throwaway instance of its own: give it without --data-dir, --backup or --target-database', { hint: 'e.g. dbrollback restore --point-in-time T --tables public.orders --into-database URL; from a logical backup instead: dbrollback restore --backup ID --tables public.orders, or dbrollback restore --before-migration NAME --backup auto --tables public.orders' });
  }
  if (r.beforeMigration !== undefined) {
    checkOneTarget(r);
    return;
  }
  if (r.pointInTime === undefined && r.lsn === undefined && r.restorePoint === undefined) {
    throw new DbrollbackError('USAGE', '--tables needs a target: --before-migration NAME, --point-in-time T, --lsn L or --restore-point NAME', { hint: 'e.g. dbrollback restore --before-migration NAME --tables public.orders --into-database URL' });
  }
}

/** --before-migration NAME --backup auto --tables: restored from a logical backup, so none of a point-in-time restore's flags. */
function beforeMigrationTablesKind(r: RestoreRequest): RestoreKind {
  checkOneTarget(r);
  const example = 'e.g. dbrollback restore --before-migration NAME --backup auto --tables public.orders --into-database URL';
  if (r.tables === undefined) throw new DbrollbackError('USAGE', '--into-database and --replace go with --tables', { hint: example });
  const pitrOnly = ([['--data-dir', r.dataDir], ['--port', r.port], ['--timezone', r.timezone], ['--recovery-timeout', r.recoveryTimeout], ['--target-database', r.targetDatabase]] as const).filter(([, v]) => v !== undefined).map(([flag]) => flag);
  if (pitrOnly.length > 0) {
    throw new DbrollbackError('USAGE', `--backup auto --tables restores tables from a logical backup: ${pitrOnly.join(', ')} do not apply`, { hint: `${example}; for a point-in-time recovery of the tables leave out --backup auto. Nothing was changed.` });
  }
  return 'partial';
}

/** --before-migration with --data-dir recovers a point in time; with --backup auto, restores a logical backup. */
function beforeMigrationKind(r: RestoreRequest): RestoreKind {
  checkOneTarget(r);
  if (r.dataDir !== undefined && r.backup === 'auto') {
    throw new DbrollbackError('USAGE', '--before-migration takes either --data-dir DIR (point in time) or --backup auto (logical backup), not both', { hint: 'With --data-dir, --backup names the base backup to start from (an id).' });
  }
  if (r.dataDir !== undefined) return 'point-in-time';
  if (r.backup === 'auto') {
    const pitrOnly = ([['--port', r.port], ['--timezone', r.timezone], ['--recovery-timeout', r.recoveryTimeout]] as const).filter(([, v]) => v !== undefined).map(([flag]) => flag);
    if (pitrOnly.length > 0) {
      throw new DbrollbackError('USAGE', `${pitrOnly.join(', ')} go with a point-in-time restore (--data-dir DIR), not with --backup auto`, { hint: 'Leave them out, or recover to the point before the migration with --data-dir DIR instead.' });
    }
    return 'logical';
  }
  throw new DbrollbackError('USAGE', '--before-migration needs --data-dir DIR (point-in-time recovery into a new data directory) or --backup auto (the logical backup taken at the head before it)', {
    hint: 'e.g. dbrollback restore --before-migration NAME --data-dir /var/lib/postgresql/before-NAME. Nothing was changed.',
  });
}

function checkOneTarget(r: RestoreRequest): void {
  if (r.pointInTime !== undefined || r.lsn !== undefined || r.restorePoint !== undefined) {
    throw new DbrollbackError('USAGE', '--before-migration is a recovery target of its own: give it without --point-in-time, --lsn or --restore-point', { hint: 'e.g. dbrollback restore --before-migration NAME --data-dir DIR' });
  }
}
