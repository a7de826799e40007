/**
 * `dbrollback restore --backup ID|latest`: a logical restore, proven against
 * the backup's manifest before anyone uses the result.
 *
 * Replacing a database that has content (in place, or a non-empty
 * --target-database with --yes) always restores into a NEW database and then
 * swaps the names, rather than `pg_restore --clean --if-exists` over the live
 * one, because:
 *   - the original stays untouched until the copy is fully restored AND its
 *     row counts and fingerprints match the manifest — a damaged dump, a
 *     pg_restore error or a mismatch leaves the original serving as before;
 *   - --clean drops only objects that are in the dump: tables a later
 *     migration created would survive the "restore", the very objects a
 *     rollback must remove;
 *   - --clean on a failure midway leaves a half-dropped, half-restored database;
 *   - the swap is two renames in one transaction, and the previous database
 *     is kept (renamed) — data written after the backup is not destroyed.
 * The price is disk space for two copies while the restore runs.
 */
import { availableParallelism } from 'node:os';
import type { ResolvedConfig } from '../config.js';
import { connect, queryError, serverVersion, type Db } from '../db/connection.js';
import { connInfoFromUrl, connToUrl, describeConn, withDatabase, type ConnInfo } from '../db/conninfo.js';
import { DbrollbackError, isDbrollbackError } from '../errors.js';
import { findBinary } from '../pgtools/binaries.js';
import { loadManifest } from './catalog.js';
import { compareTables, describeDifference, type TableComparison } from '../fingerprint/compare-tables.js';
import { dumpKey as defaultDumpKey } from './layout.js';
import type { BackupManifest } from './manifest.js';
import type { ProgressListener } from './progress.js';
import {
  copyDatabaseProperties,
  createDatabase,
  databaseFacts,
  derivedName,
  describeSessions,
  dropDatabase,
  isEmptyDatabase,
  sessionsIn,
  setAllowConnections,
  swapDatabases,
  terminateSessions,
  type DatabaseFacts,
} from './restore/databases.js';
import { EarlyFingerprints } from './restore/early-fingerprints.js';
import { downloadDump, pumpDump, removeDump } from './restore/fetch-dump.js';
import { programNames, startRestore } from './restore/pg-restore.js';
import { RestoreProgress } from './restore/progress-lines.js';
import type { Storage } from '../storage/contract.js';
import { AuditRun } from '../audit/audit-trail.js';
import { openStorage } from '../storage/open-storage.js';

export interface RestoreOptions {
  /** A backup id, or 'latest' (the newest complete logical backup). */
  backup: string;
  /** Restore into this database (created if missing); default: in place over `config.conn`. */
  targetDatabase?: string;
  /** Allow replacing a database that has content (in place, or a non-empty target). */
  yes?: boolean;
  /** End other sessions on the database being replaced (otherwise their presence refuses the swap). */
  terminateConnections?: boolean;
  /** pg_restore --no-owner: for clusters that lack the source's roles. */
  noOwner?: boolean;
  /** pg_restore -j; default: 1 for dumps under 64 MiB, else up to 4 by CPU count. */
  jobs?: number;
  /** Where a parallel restore keeps the downloaded dump (default: the OS temp dir). */
  tempDir?: string;
  storage?: Storage;
  onProgress?: ProgressListener;
  onStep?: (line: string) => void;
  /** Detail for --verbose: pg_restore's own progress lines, which tables were fingerprinted during the restore. */
  onDebug?: (line: string) => void;
  /** The command line, for the audit record (secrets are removed). */
  commandLine?: string[];
}

export type RestoreMode = 'new-database' | 'into-empty' | 'swap';

export interface RestoreResult {
  backupId: string;
  /** The database that now holds the restored data. */
  database: string;
  target: string;
  mode: RestoreMode;
  /** swap: what the replaced database is called now (kept, never dropped). */
  previousDatabase: string | null;
  jobs: number;
  /** Other sessions that were ended (with terminateConnections). */
  terminatedSessions: number;
  verify: TableComparison;
  /** Tables fingerprinted while pg_restore was still running (the rest after it exited). */
  fingerprintedDuringRestore: number;
  durationMs: number;
  /** Storage key of this run's audit record (null if it could not be written). */
  auditKey?: string | null;
}

const PARALLEL_THRESHOLD = 64 * 1024 * 1024;

/**
 * Restore a logical backup, and leave an audit record of the run in the
 * storage (outside the database the restore rewinds).
 */
export async function restore(config: ResolvedConfig, options: RestoreOptions): Promise<RestoreResult> {
  const storage = options.storage ?? openStorage(config.storage, { cwd: config.cwd });
  const target = options.targetDatabase !== undefined ? describeConn(connInfoFromUrl(options.targetDatabase)) : describeConn(config.conn);
  const run = new AuditRun('restore', target, options.commandLine);
  const warn = options.onStep ?? (() => undefined);
  try {
    const result = await restoreUnaudited(config, { ...options, storage, onStep: (line) => (run.step(line), options.onStep?.(line)) });
    result.auditKey = await run.finish(storage, 'success', { backupId: result.backupId, verify: result.verify }, warn);
    return result;
  } catch (err) {
    const error = isDbrollbackError(err) ? err : null;
    // Bad input touched nothing, the storage included.
    if (error?.exitCode === 2) throw err;
    const outcome = error?.code === 'VERIFY_FAILED' ? 'verify-failed' : error && error.exitCode === 4 ? 'refused' : 'failed';
    const backupId = (error?.details?.backupId as string | undefined) ?? (/^\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(options.backup) ? options.backup : null);
    await run.finish(storage, outcome, { backupId, error: { code: error?.code ?? 'INTERNAL', message: err instanceof Error ? err.message : String(err) } }, warn);
    throw err;
  } finally {
    if (!options.storage) await storage.close();
  }
}

/**
 * Restore a logical backup into a database that must not exist yet or be
 * empty, on a server the caller owns (drills' throwaway servers). No audit
 * record: the caller's own report is the record, and rehearsals must not
 * fill the production history.
 */
export async function restoreInto(storage: Storage, target: ConnInfo, options: Omit<RestoreOptions, 'storage' | 'targetDatabase' | 'yes'>): Promise<RestoreResult> {
  return restoreUnaudited({ conn: target }, { ...options, storage, targetDatabase: connToUrl(target) });
}

async function restoreUnaudited(config: Pick<ResolvedConfig, 'conn'>, options: RestoreOptions & { storage: Storage }): Promise<RestoreResult> {
  const started = Date.now();
  const step = options.onStep ?? (() => undefined);
  const target = options.targetDatabase !== undefined ? targetConn(options.targetDatabase, config) : config.conn;
  const inPlace = options.targetDatabase === undefined;
  if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1)) {
    throw new DbrollbackError('USAGE', `jobs must be a whole number of at least 1 (got ${options.jobs})`, {});
  }
  // In place is destructive by definition: refuse before touching anything unless confirmed.
  if (inPlace && !options.yes) {
    throw new DbrollbackError('CONFIRMATION_REQUIRED', `restoring in place replaces database "${target.database}" (${describeConn(target)})`, {
      hint: 'Pass --yes to replace it (the current database is kept under a new name), or --target-database URL to restore into another database.',
    });
  }

  const storage = options.storage;
  let admin: Db | undefined;
  try {
    // 1. The backup: only a complete logical one, and its dump must be where the manifest says.
    const manifest = await loadManifest(storage, options.backup, { kind: 'logical' });
    const key = manifest.objects.find((k) => k.endsWith('.pgcustom')) ?? defaultDumpKey(manifest.id);
    step(`restore: backup ${manifest.id} (${manifest.createdAt}, head ${manifest.migrationHead ?? 'none'}) → ${describeConn(target)}`);

    // 2. The target: decide the mode from what exists, before anything is written.
    admin = await connectMaintenance(target);
    const server = await serverVersion(admin);
    const pgRestore = await findBinary('pg_restore', { minMajor: Math.max(server.major, majorOf(manifest.pgDumpVersion)) });
    const existing = await databaseFacts(admin, target.database);
    const mode = await chooseMode(existing, target, inPlace, options);
    if (mode === 'swap') await refuseIfConnected(admin, target.database, options);
    const jobs = options.jobs ?? (manifest.sizeBytes < PARALLEL_THRESHOLD ? 1 : Math.min(4, availableParallelism()));

    // 3. Restore into a database we own: a fresh one under the target name, a scratch one for a swap, or the empty target.
    const suffix = manifest.id.slice(-6);
    const restoreInto = mode === 'swap' ? derivedName(target.database, `_dbrollback_restore_${suffix}`) : target.database;
    const created = mode !== 'into-empty';
    if (created) {
      await dropStaleScratch(admin, restoreInto, mode);
      const omitted = await createDatabase(admin, restoreInto, {
        owner: existing?.owner,
        locale: existing ? { encoding: existing.encoding, collate: existing.collate, ctype: existing.ctype } : manifest.locale,
      }).catch((err: unknown) => {
        throw queryError(`could not create database "${restoreInto}"`, err, 'The restoring user needs CREATEDB (or superuser).');
      });
      if (omitted.length > 0) step(`restore: created "${restoreInto}" without ${omitted.join(' and ')} (not available here)`);
    }
    const restoreConn = withDatabase(target, restoreInto);
    let verify: TableComparison;
    let fingerprintedDuringRestore = 0;
    const fingerprints = new EarlyFingerprints(restoreConn, { onDebug: options.onDebug });
    try {
      try {
        // 4. Dump → pg_restore, sha256 checked on the way (a file first for -j, or an existing target);
        //    each table pg_restore has committed is fingerprinted meanwhile, while it loads and indexes the others.
        await runRestore(storage, manifest, key, pgRestore, restoreConn, { ...options, jobs, streamOk: created }, fingerprints);
        // 5. Prove it: row counts and fingerprints (the tables not done yet now) against the manifest's baseline.
        step(`restore: comparing row counts and fingerprints of ${manifest.tables.length} tables with the manifest`);
        const restored = await fingerprints.finish(jobs);
        fingerprintedDuringRestore = restored.early;
        verify = compareTables(manifest.tables, restored.tables);
      } finally {
        // Before the database may be dropped below.
        await fingerprints.close();
      }
    } catch (err) {
      // A database we created holds nothing anyone relied on; the original is untouched.
      if (created) await dropDatabase(admin, restoreInto).catch(() => undefined);
      else if (isDbrollbackError(err) && err.code === 'RESTORE_FAILED') throw partialRestore(err, target.database);
      throw err;
    }
    if (!verify.ok) {
      if (mode === 'swap') await dropDatabase(admin, restoreInto).catch(() => undefined);
      throw verifyFailed(manifest, restoreInto, mode, verify);
    }

    // 6. Swap names (in place / non-empty target): the previous database is kept under a new name.
    let previousDatabase: string | null = null;
    let terminatedSessions = 0;
    if (mode === 'swap') {
      previousDatabase = derivedName(target.database, `_dbrollback_prev_${suffix}`);
      await copyDatabaseProperties(admin, target.database, restoreInto);
      terminatedSessions = await swap(admin, target.database, restoreInto, previousDatabase, options, step);
    }
    step(`restore: done — "${target.database}" holds backup ${manifest.id}${previousDatabase ? `; the previous database is kept as "${previousDatabase}"` : ''}`);
    return {
      backupId: manifest.id,
      database: target.database,
      target: describeConn(target),
      mode,
      previousDatabase,
      jobs,
      terminatedSessions,
      verify,
      fingerprintedDuringRestore,
      durationMs: Date.now() - started,
    };
  } finally {
    await admin?.end().catch(() => undefined);
  }
}

function targetConn(url: string, config: Pick<ResolvedConfig, 'conn'>): ConnInfo {
  // The target server's password may be the configured one (same cluster, another database).
  const conn = connInfoFromUrl(url);
  if (conn.password === undefined && conn.host === config.conn.host && conn.port === config.conn.port && conn.user === config.conn.user) {
    return { ...conn, password: config.conn.password };
  }
  return conn;
}

async function connectMaintenance(target: ConnInfo): Promise<Db> {
  // Database-level work (create, rename, drop) runs from outside the database it changes.
  // Never the target itself (it may be the one being renamed).
  if (target.database === 'postgres') return connect(withDatabase(target, 'template1'));
  try {
    return await connect(withDatabase(target, 'postgres'));
  } catch (err) {
    if (isDbrollbackError(err) && /does not exist/.test(err.message)) return connect(withDatabase(target, 'template1'));
    throw err;
  }
}

async function chooseMode(existing: DatabaseFacts | null, target: ConnInfo, inPlace: boolean, options: RestoreOptions): Promise<RestoreMode> {
  if (!existing) {
    if (inPlace) {
      throw new DbrollbackError('USAGE', `database "${target.database}" does not exist, so there is nothing to restore in place`, {
        hint: 'Use --target-database URL to restore into a new database.',
      });
    }
    return 'new-database';
  }
  const empty = await withDbQuiet(target, isEmptyDatabase);
  if (empty && !inPlace) return 'into-empty';
  if (!options.yes) {
    throw new DbrollbackError('TARGET_NOT_EMPTY', `target database "${target.database}" exists and is not empty; nothing was changed`, {
      hint: 'Pass --yes to replace it (restored into a new database, then swapped; the current one is kept under a new name), or choose another --target-database.',
    });
  }
  return 'swap';
}

async function withDbQuiet<T>(conn: ConnInfo, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await connect(conn);
  try {
    return await fn(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

async function refuseIfConnected(admin: Db, database: string, options: RestoreOptions): Promise<void> {
  const sessions = await sessionsIn(admin, database);
  if (sessions.length === 0 || options.terminateConnections) return;
  throw new DbrollbackError('REFUSED', `${sessions.length} session${sessions.length > 1 ? 's are' : ' is'} connected to "${database}": ${describeSessions(sessions)}; nothing was changed`, {
    hint: 'Stop the application (pause traffic) first, or pass --terminate-connections to end those sessions at the swap.',
    details: { sessions },
  });
}

async function dropStaleScratch(admin: Db, name: string, mode: RestoreMode): Promise<void> {
  // A scratch database left by an interrupted restore of the same backup; ours by name.
  if (mode === 'swap' && (await databaseFacts(admin, name))) await dropDatabase(admin, name);
}

async function runRestore(
  storage: Storage,
  manifest: BackupManifest,
  key: string,
  pgRestore: Awaited<ReturnType<typeof findBinary>>,
  conn: ConnInfo,
  options: RestoreOptions & { jobs: number; streamOk: boolean },
  fingerprints: EarlyFingerprints,
): Promise<void> {
  const step = options.onStep ?? (() => undefined);
  const debug = options.onDebug ?? (() => undefined);
  // Parallel restore needs a seekable file; an existing target is only touched once the bytes are known good.
  const viaFile = options.jobs > 1 || !options.streamOk;
  let file: string | undefined;
  try {
    if (viaFile) {
      step(`restore: downloading ${manifest.sizeBytes} bytes (sha256 checked) to a temp file`);
      file = await downloadDump(storage, manifest, key, { tempDir: options.tempDir, onProgress: options.onProgress });
    }
    step(`restore: pg_restore ${pgRestore.version}${options.jobs > 1 ? ` -j ${options.jobs}` : ''} into "${conn.database}"`);
    const progress = new RestoreProgress({ parallel: options.jobs > 1, programs: programNames(pgRestore) });
    const onLine = (line: string) => {
      try {
        debug(line);
        for (const event of progress.line(line)) {
          if (event.kind === 'data-loaded') fingerprints.loaded(event.table);
          else fingerprints.distrust(event.reason);
        }
      } catch (err) {
        // A line not fully read may have been a warning sign: rely on nothing taken early.
        fingerprints.distrust(`could not read pg_restore's output: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const child = startRestore(pgRestore, conn, file ?? null, { jobs: options.jobs, noOwner: Boolean(options.noOwner), onLine });
    if (!file) {
      const pumped = pumpDump(storage, manifest, key, child.stdin!, options.onProgress);
      const [pump, exit] = await Promise.allSettled([pumped, child.exited]);
      // The checksum verdict explains a failure better than pg_restore choking on bad bytes.
      if (pump.status === 'rejected' && isDbrollbackError(pump.reason)) throw pump.reason;
      if (exit.status === 'rejected') throw exit.reason;
      if (pump.status === 'rejected') throw pump.reason;
    } else {
      await child.exited;
    }
  } finally {
    await removeDump(file);
  }
}

async function swap(admin: Db, name: string, replacement: string, previous: string, options: RestoreOptions, step: (line: string) => void): Promise<number> {
  let terminated = 0;
  const sessions = await sessionsIn(admin, name);
  if (sessions.length > 0 && !options.terminateConnections) {
    await dropDatabase(admin, replacement).catch(() => undefined);
    throw new DbrollbackError('REFUSED', `${sessions.length} session${sessions.length > 1 ? 's' : ''} connected to "${name}" while the restore ran: ${describeSessions(sessions)}; the restored copy was dropped and "${name}" is unchanged`, {
      hint: 'Stop the application first, or pass --terminate-connections.',
      details: { sessions },
    });
  }
  const blocked = sessions.length > 0;
  if (blocked) {
    // No new sessions between ending the old ones and the rename.
    await setAllowConnections(admin, name, false);
    terminated = await terminateSessions(admin, name);
    step(`restore: ended ${terminated} session(s) on "${name}"`);
    await waitForNoSessions(admin, name);
  }
  try {
    await swapDatabases(admin, name, replacement, previous);
  } catch (err) {
    if (blocked) await setAllowConnections(admin, name, true).catch(() => undefined);
    await dropDatabase(admin, replacement).catch(() => undefined);
    throw new DbrollbackError('RESTORE_FAILED', `could not swap the restored copy in for "${name}": ${(err as Error).message}; "${name}" is unchanged`, {
      hint: 'A session may have connected meanwhile: stop the application (or pass --terminate-connections) and run the restore again.',
      cause: err,
    });
  }
  if (blocked) await setAllowConnections(admin, previous, true).catch(() => undefined);
  return terminated;
}

async function waitForNoSessions(admin: Db, name: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await sessionsIn(admin, name)).length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function verifyFailed(manifest: BackupManifest, database: string, mode: RestoreMode, verify: TableComparison): DbrollbackError {
  const lines = verify.differences.slice(0, 10).map(describeDifference);
  const where = mode === 'swap' ? `the restored copy did not match and was dropped; the original database is unchanged` : `database "${database}" does not match the backup — do not use it`;
  return new DbrollbackError('VERIFY_FAILED', `restore of backup ${manifest.id}: ${verify.differences.length} table(s) differ from the manifest (${where}):\n  ${lines.join('\n  ')}`, {
    hint: 'Do not send traffic to this data. Try another backup, and check the source for changes pg_dump cannot capture.',
    details: { backupId: manifest.id, database, differences: verify.differences },
  });
}

function partialRestore(err: DbrollbackError, database: string): DbrollbackError {
  return new DbrollbackError('RESTORE_FAILED', `${err.message}\nDatabase "${database}" (empty before) now holds a partial restore.`, {
    hint: `${err.hint ?? ''} Drop and recreate "${database}" (or restore into a new database) before trying again.`.trim(),
    cause: err,
  });
}

function majorOf(version: string | null): number {
  return version ? Math.floor(Number.parseFloat(version)) : 0;
}
