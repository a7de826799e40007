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
import { rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { AuditRun } from '../../audit/audit-trail.js';
import { Checklist, isStopError, stoppedError } from '../../audit/checklist.js';
import { faultPoint } from '../../audit/fault-point.js';
import type { Journal } from '../../audit/journal.js';
import { asRunError, openJournal, outcomeOf, recordRun, type RunOutcome } from '../../audit/runbook.js';
import type { StepResult } from '../../audit/audit-trail.js';
import { connect, queryError, serverVersion, type Db } from '../../db/connection.js';
import { connInfoFromUrl, describeConn, withDatabase, type ConnInfo } from '../../db/conninfo.js';
import { alterRole, extensionsNotCreatable, installedExtensions, mayCreateDatabase, roleAttributes } from '../../db/role-attributes.js';
import { DbrollbackError, EXIT, isDbrollbackError } from '../../errors.js';
import { findBinary, type PgBinary } from '../../pgtools/binaries.js';
import { runTool } from '../../pgtools/run.js';
import type { Storage } from '../../storage/contract.js';
import { baselineFromManifest } from '../../verify/baseline.js';
import { verify, type VerifyReport } from '../../verify/verify.js';
import type { ToolVerifyLookup } from '../../verify/check.js';
import { verifyFailedError, verifySummary } from '../../verify/report.js';
import { loadManifest } from '../catalog.js';
import { dumpKey as defaultDumpKey } from '../layout.js';
import type { BackupManifest } from '../manifest.js';
import type { ProgressListener } from '../../progress.js';
import { watchCopies } from '../copy-progress.js';
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
  unterminableError,
  type DatabaseFacts,
} from './databases.js';
import { EarlyFingerprints } from './early-fingerprints.js';
import { downloadDump, pumpDump, removeDump } from './fetch-dump.js';
import { programNames, startRestore } from './pg-restore.js';
import { RestoreProgress } from './progress-lines.js';

/** Where a restore reads from and which database it replaces by default (a RunContext is one). */
export interface RestoreSource {
  /** Aborted (SIGINT/SIGTERM): pg_restore is stopped and what it wrote into dropped; the swap never starts. */
  readonly signal?: AbortSignal | undefined;
  readonly conn: ConnInfo;
  readonly storage: Storage;
  readonly cwd: string;
  /** The user's verify checks run on the restored copy too. */
  readonly checksDir?: string | undefined;
  readonly migrationsDir?: string | undefined;
  /** The migration tool's own verify scripts, run on the restored copy (its tool-verify check). */
  toolVerifyOn?(conn: ConnInfo): Promise<ToolVerifyLookup>;
}

export interface RestoreOptions {
  /** A backup id, or 'latest' (the newest complete logical backup of `database`). */
  backup: string;
  /**
   * The database whose backups 'latest' chooses among, and whose a named backup is said to be or not
   * (default: the source's, the configured --database-url). A drill restores into a throwaway server
   * and passes the configured name here.
   */
  database?: string;
  /** Restore into this database (created if missing); default: in place over `config.conn`. */
  targetDatabase?: string;
  /** Allow replacing a database that has content (in place, or a non-empty target): --yes, or the answer at the prompt. */
  yes?: boolean;
  /** Ask the person at the terminal before replacing a database (when `yes` is not given). */
  confirm?: (question: string) => Promise<boolean>;
  /** End other sessions on the database being replaced (otherwise their presence refuses the swap). */
  terminateConnections?: boolean;
  /** pg_restore --no-owner: for clusters that lack the source's roles. */
  noOwner?: boolean;
  /** pg_restore -j; default: 1 for dumps under 64 MiB, else up to 4 by CPU count. */
  jobs?: number;
  /** Where a parallel restore keeps the downloaded dump (default: the OS temp dir). */
  tempDir?: string;
  onProgress?: ProgressListener;
  onStep?: (line: string) => void;
  /** Detail for --verbose: pg_restore's own progress lines, which tables were fingerprinted during the restore. */
  onDebug?: (line: string) => void;
  /** The command line, for the audit record (secrets are removed). */
  commandLine?: string[];
  /** Leave no journal and no audit record: a drill's restore into its throwaway server is a rehearsal, and must not read as a restore in the history. */
  noAudit?: boolean;
}

export type RestoreMode = 'new-database' | 'into-empty' | 'swap';

export const RESTORE_STEPS = ['backup', 'target', 'restore', 'verify', 'swap'] as const;

export interface RestoreReport {
  ok: boolean;
  outcome: RunOutcome;
  backupId: string | null;
  /** The database the backup was taken from (its manifest's); null before a manifest was read. */
  backupDatabase: string | null;
  /** True when that is not the configured database (a backup of another database, restored on purpose with --backup ID). */
  otherDatabase: boolean;
  /** The database that holds (or was to hold) the restored data. */
  database: string;
  /** The target, described without password. */
  target: string;
  mode: RestoreMode | null;
  /** swap: what the replaced database is called now (kept, never dropped). */
  previousDatabase: string | null;
  jobs: number | null;
  /** Other sessions that were ended (with terminateConnections). */
  terminatedSessions: number;
  /** The verify gate on the restored copy, against the backup's manifest. */
  verify: VerifyReport | null;
  /** Tables compared with the manifest (row counts and fingerprints). */
  tables: number;
  /** Tables fingerprinted while pg_restore was still running (the rest after it exited). */
  fingerprintedDuringRestore: number;
  durationMs: number;
  steps: StepResult[];
  /** Storage key of this run's audit record (null when none was written). */
  auditKey: string | null;
  /** Why the run stopped; null when ok. */
  error: DbrollbackError | null;
}

const PARALLEL_THRESHOLD = 64 * 1024 * 1024;

/**
 * Restore a logical backup, as the runbook does it:
 *
 *   backup (complete, its dump where the manifest says) → target (mode chosen
 *   before anything is written) → restore (into a database we own, checksum
 *   checked on the way) → verify (the gate, against the manifest) → swap
 *   (names, in one transaction; the previous database is kept)
 *
 * Bad input throws before anything is touched (exit 2, no audit record);
 * after that the run returns a report with each step's result and leaves an
 * audit record in the storage, outside the database it rewinds.
 */
export async function restore(source: RestoreSource, options: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  const log = options.onStep ?? (() => undefined);
  const target = options.targetDatabase !== undefined ? targetConn(options.targetDatabase, source.conn) : source.conn;
  const inPlace = options.targetDatabase === undefined;
  if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1)) {
    throw new DbrollbackError('USAGE', `jobs must be a whole number of at least 1 (got ${options.jobs})`, { hint: 'Pass --jobs N with N ≥ 1.' });
  }
  // In place is destructive by definition: refuse before touching anything unless confirmed.
  const yes = options.yes || (inPlace && options.confirm ? await options.confirm(`Replace database ${describeConn(target)} with backup ${options.backup}? (the current one is kept under a new name)`) : false);
  if (inPlace && !yes) {
    throw new DbrollbackError('CONFIRMATION_REQUIRED', `restoring in place replaces database "${target.database}" (${describeConn(target)})`, {
      hint: 'Pass --yes to replace it (the current database is kept under a new name), or --target-database URL to restore into another database.',
    });
  }
  const owner = options.database ?? source.conn.database;
  const state: RestoreState = { manifest: null, mode: null, restoreInto: null, jobs: null, previousDatabase: null, terminatedSessions: 0, verify: null, early: 0 };
  const checklist = new Checklist(RESTORE_STEPS, log, { signal: source.signal, facts: () => ({ backupId: state.manifest?.id ?? null, mode: state.mode, database: target.database, restoreInto: state.restoreInto, previousDatabase: state.previousDatabase }) });
  const audit = new AuditRun('restore', describeConn(target), options.commandLine);
  let journal: Journal | undefined;
  let error: DbrollbackError | null = null;
  let admin: Db | undefined;
  try {
    // Only a complete logical backup, and its dump must be where the manifest says.
    const manifest = await checklist.run('backup', async () => {
      const m = await loadManifest(source.storage, options.backup, { kind: 'logical', database: owner });
      if (m.partial) throw partialNotWhole(m);
      // Opening the dump authenticates its start when the storage is encrypted: a planted or foreign dump is refused before any database is created.
      (await source.storage.get(dumpObjectKey(m))).destroy();
      return m;
    }, (m) => `${m.id} (${m.createdAt}, head ${m.migrationHead ?? 'none'}, ${m.sizeBytes} bytes)${whose(m, owner)}`);
    state.manifest = manifest;
    admin = await connectMaintenance(target);
    // The mode follows from what exists, decided before anything is written.
    const plan = await checklist.run('target', async () => {
      const p = await planTarget(admin!, manifest, target, inPlace, { ...options, yes });
      if (p.mode !== 'into-empty') await requireCreateDatabase(admin!, p.restoreInto, target, inPlace);
      if (manifest.database === source.conn.database) await requireCreateExtensions(source.conn, p.restoreInto);
      return p;
    }, (p) => `${p.mode} into "${p.restoreInto}", pg_restore ${p.pgRestore.version}, ${p.jobs} job(s)`);
    state.mode = plan.mode;
    state.jobs = plan.jobs;
    // The input is good: from here on the run is journaled in the storage as it goes (a rehearsal writes nothing there).
    if (!options.noAudit) {
      journal = openJournal(source.storage, audit, 'restore', describeConn(target), options.commandLine ?? [], RESTORE_STEPS);
      checklist.attach(journal);
      await journal.flush();
    }
    state.restoreInto = plan.restoreInto;
    const restoreConn = withDatabase(target, plan.restoreInto);
    const measured = await checklist.run('restore', () => restoreInto(admin!, source.storage, manifest, plan, restoreConn, target.database, { ...options, signal: source.signal }, log), (m) => `${m.tables.length} tables, ${m.early} fingerprinted while pg_restore ran`);
    state.early = measured.early;
    // The real gate on the copy, before anyone uses it: the manifest's row counts and fingerprints,
    // constraints, indexes, sequences, amcheck and the user's own checks.
    const report = await checklist.run(
      'verify',
      () => verify({ conn: restoreConn, cwd: source.cwd, checksDir: source.checksDir, migrationsDir: source.migrationsDir, ...(source.toolVerifyOn ? { toolVerify: () => source.toolVerifyOn!(restoreConn) } : {}) }, {
        baseline: baselineFromManifest(manifest),
        measuredTables: measured.tables,
        // The history table is one of the fingerprinted tables: the head travels with the data.
        skipChecks: ['schema-head'],
        jobs: plan.jobs,
        onProgress: (e) => e.kind === 'message' && options.onDebug?.(e.text),
      }),
      (r) => (r.ok ? 'all checks passed' : `failed: ${r.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ')}`),
    );
    state.verify = report;
    if (!report.ok) {
      checklist.fail('verify', `failed: ${report.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ')}`);
      if (plan.mode === 'swap') await dropDatabase(admin, plan.restoreInto).catch(() => undefined);
      throw verifyFailed(manifest, plan.restoreInto, plan.mode, report);
    }
    await faultPoint('restore:before-swap', source.signal);
    // Names swapped in one transaction; the previous database is kept under a new name.
    if (plan.mode === 'swap') {
      const previous = derivedName(target.database, `_dbrollback_prev_${manifest.id.slice(-6)}`);
      await checklist.run('swap', async () => {
        state.previousDatabase = previous;
        await copyDatabaseProperties(admin!, target.database, plan.restoreInto);
        state.terminatedSessions = await swap(admin!, target.database, plan.restoreInto, previous, options, log);
      }, () => `"${target.database}" holds backup ${manifest.id}; the previous database is "${state.previousDatabase}"`);
    } else {
      checklist.skip('swap', `restored straight into "${target.database}"`);
    }
  } catch (err) {
    error = asRunError(err);
    // Stopped before the swap: the verified copy is ours to remove; the original was never touched.
    if (admin && state.mode === 'swap' && state.restoreInto && state.previousDatabase === null && isStopError(error)) {
      await dropDatabase(admin, state.restoreInto).catch(() => undefined);
      error = new DbrollbackError(error.code, `${error.message}; the restored copy was removed and "${target.database}" is unchanged`, { hint: error.hint, details: error.details });
    }
  } finally {
    await admin?.end().catch(() => undefined);
  }
  const steps = checklist.finish();
  const auditKey = options.noAudit ? null : await recordRun(audit, source.storage, steps, error, {
    backupId: state.manifest?.id ?? null,
    verify: state.verify ? verifySummary(state.verify) : null,
    extra: { mode: state.mode, database: target.database, previousDatabase: state.previousDatabase },
  }, log, journal);
  if (error?.exitCode === EXIT.usage) throw error;
  return {
    ok: error === null,
    outcome: outcomeOf(error),
    backupId: state.manifest?.id ?? null,
    backupDatabase: state.manifest?.database ?? null,
    otherDatabase: state.manifest !== null && state.manifest.database !== owner,
    database: target.database,
    target: describeConn(target),
    mode: state.mode,
    previousDatabase: state.previousDatabase,
    jobs: state.jobs,
    terminatedSessions: state.terminatedSessions,
    verify: state.verify,
    tables: state.manifest?.tables.length ?? 0,
    fingerprintedDuringRestore: state.early,
    durationMs: Date.now() - started,
    steps,
    auditKey,
    error,
  };
}

function dumpObjectKey(manifest: BackupManifest): string {
  return manifest.objects.find((k) => k.endsWith('.pgcustom')) ?? defaultDumpKey(manifest.id);
}

interface RestoreState {
  manifest: BackupManifest | null;
  mode: RestoreMode | null;
  /** The database pg_restore writes into (the scratch copy of a swap). */
  restoreInto: string | null;
  jobs: number | null;
  previousDatabase: string | null;
  terminatedSessions: number;
  verify: VerifyReport | null;
  early: number;
}

interface TargetPlan {
  mode: RestoreMode;
  /** The database pg_restore writes into: the target itself, or a scratch copy for a swap. */
  restoreInto: string;
  existing: DatabaseFacts | null;
  pgRestore: PgBinary;
  jobs: number;
}

async function planTarget(admin: Db, manifest: BackupManifest, target: ConnInfo, inPlace: boolean, options: RestoreOptions): Promise<TargetPlan> {
  const server = await serverVersion(admin);
  const pgRestore = await findBinary('pg_restore', { minMajor: Math.max(server.major, majorOf(manifest.pgDumpVersion)) });
  const existing = await databaseFacts(admin, target.database);
  const mode = await chooseMode(existing, target, inPlace, options);
  if (mode === 'swap') await refuseIfConnected(admin, target.database, options);
  const jobs = options.jobs ?? (manifest.sizeBytes < PARALLEL_THRESHOLD ? 1 : Math.min(4, availableParallelism()));
  const restoreInto = mode === 'swap' ? derivedName(target.database, `_dbrollback_restore_${manifest.id.slice(-6)}`) : target.database;
  return { mode, restoreInto, existing, pgRestore, jobs };
}

/**
 * Every mode but into-empty creates a database (and a swap renames two): a role without CREATEDB — a managed
 * platform's application role, owner of its database and nothing else — is told so before anything is written.
 */
async function requireCreateDatabase(admin: Db, restoreInto: string, target: ConnInfo, inPlace: boolean): Promise<void> {
  const attributes = await roleAttributes(admin);
  if (mayCreateDatabase(attributes)) return;
  throw new DbrollbackError('PRIVILEGE_MISSING', `role ${attributes.role} may not create databases (no CREATEDB), and restoring ${inPlace ? `"${target.database}" in place` : `into "${target.database}"`} creates "${restoreInto}" first. Nothing was changed.`, {
    hint: `As a superuser: ${alterRole(attributes.role, 'CREATEDB')}; or have a superuser create an empty database owned by ${attributes.role} (CREATE DATABASE … OWNER ${attributes.role}) and restore into it with --target-database URL.`,
  });
}

/**
 * The dump re-creates every extension of the database it was taken from; one only a superuser may create (amcheck,
 * pg_stat_statements, installed by the platform's admin) stops pg_restore as this role halfway. The backed-up
 * database's extensions, read live, are checked first: refused before anything is written.
 */
async function requireCreateExtensions(source: ConnInfo, restoreInto: string): Promise<void> {
  let db: Db;
  try {
    db = await connect(source);
  } catch (err) {
    // The backed-up database is not there to read (dropped before a restore that re-creates it: a drill's rehearsal,
    // a restore after the database was lost): pg_restore says it if an extension cannot be made.
    if ((err as { cause?: { code?: string } }).cause?.code === '3D000') return;
    throw err;
  }
  let blocked: string[];
  let role: string;
  try {
    blocked = await extensionsNotCreatable(db, await installedExtensions(db));
    role = (await roleAttributes(db)).role;
  } finally {
    await db.end().catch(() => undefined);
  }
  if (blocked.length === 0) return;
  const them = blocked.length > 1 ? 'them' : 'it';
  throw new DbrollbackError('PRIVILEGE_MISSING', `the backup re-creates extension ${blocked.join(', ')} in "${restoreInto}", and role ${role} may not create ${them} (not a trusted extension; a superuser installed ${them}). Nothing was changed.`, {
    hint: `Restore with --database-url of a role that may create ${them} (a superuser, or the platform's admin role), or restore only the tables you need with --tables T1,T2 (extensions this role may not create are left out of its scratch database).`,
  });
}

/** Create the database we restore into (unless it is the empty target), run pg_restore, fingerprint what it committed. */
async function restoreInto(
  admin: Db,
  storage: Storage,
  manifest: BackupManifest,
  plan: TargetPlan,
  restoreConn: ConnInfo,
  targetName: string,
  options: RestoreOptions & { signal?: AbortSignal | undefined },
  log: (line: string) => void,
): Promise<{ tables: Awaited<ReturnType<EarlyFingerprints['finish']>>['tables']; early: number }> {
  const created = plan.mode !== 'into-empty';
  if (created) {
    await dropStaleScratch(admin, plan.restoreInto, plan.mode);
    const omitted = await createDatabase(admin, plan.restoreInto, {
      owner: plan.existing?.owner,
      locale: plan.existing ? { encoding: plan.existing.encoding, collate: plan.existing.collate, ctype: plan.existing.ctype } : manifest.locale,
    }).catch((err: unknown) => {
      throw queryError(`could not create database "${plan.restoreInto}"`, err, 'The restoring user needs CREATEDB (or superuser).');
    });
    if (omitted.length > 0) log(`restore: created "${plan.restoreInto}" without ${omitted.join(' and ')} (not available here)`);
  }
  const key = dumpObjectKey(manifest);
  const fingerprints = new EarlyFingerprints(restoreConn, { onDebug: options.onDebug });
  try {
    try {
      // Dump → pg_restore, sha256 checked on the way (a file first for -j, or an existing target);
      // each table pg_restore has committed is fingerprinted meanwhile, while it loads and indexes the others.
      await runRestore(storage, manifest, key, plan.pgRestore, restoreConn, { ...options, jobs: plan.jobs, streamOk: created }, fingerprints);
      if (options.signal?.aborted) throw stoppedError(options.signal.reason, 'verify', 'restore');
      const restored = await fingerprints.finish(plan.jobs);
      return { tables: restored.tables, early: restored.early };
    } finally {
      // Before the database may be dropped below.
      await fingerprints.close();
    }
  } catch (err) {
    // A database we created holds nothing anyone relied on; the original is untouched.
    if (created) await dropDatabase(admin, plan.restoreInto).catch(() => undefined);
    else if (isDbrollbackError(err) && err.code === 'RESTORE_FAILED') throw partialRestore(err, targetName);
    throw err;
  }
}

/** Whose backup it is, said when it is not the configured database's (one storage may hold several databases' backups). */
export function whose(manifest: Pick<BackupManifest, 'database'>, configured: string): string {
  return manifest.database === configured ? '' : `, a backup of database "${manifest.database}", not of the configured "${configured}"`;
}

function targetConn(url: string, configured: ConnInfo): ConnInfo {
  // The target server's password may be the configured one (same cluster, another database).
  const conn = connInfoFromUrl(url);
  if (conn.password === undefined && conn.host === configured.host && conn.port === configured.port && conn.user === configured.user) {
    return { ...conn, password: configured.password };
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
  if (sessions.length > 0 && options.terminateConnections) {
    const refused = unterminableError(sessions, database, (await roleAttributes(admin)).role, 'nothing was changed');
    if (refused) throw refused;
  }
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
  pgRestore: PgBinary,
  conn: ConnInfo,
  options: RestoreOptions & { jobs: number; streamOk: boolean; signal?: AbortSignal | undefined },
  fingerprints: EarlyFingerprints,
): Promise<void> {
  const step = options.onStep ?? (() => undefined);
  const debug = options.onDebug ?? (() => undefined);
  // Parallel restore needs a seekable file; an existing target is only touched once the bytes are known good; a role
  // that is not a superuser needs the table of contents read first (grants it may not make are left out).
  const grantsFor = await grantableOwners(conn);
  const viaFile = options.jobs > 1 || !options.streamOk || grantsFor !== null;
  let file: string | undefined;
  let useList: string | undefined;
  try {
    if (viaFile) {
      step(`restore: downloading ${manifest.sizeBytes} bytes (sha256 checked) to a temp file`);
      file = await downloadDump(storage, manifest, key, { tempDir: options.tempDir, onProgress: options.onProgress });
    }
    if (file && grantsFor !== null) {
      const left = await grantsLeftOut(pgRestore, file, grantsFor);
      if (left.entries.length > 0) {
        useList = `${file}.list`;
        await writeFile(useList, left.list);
        step(`restore: left out ${left.entries.length} grant(s) on objects this role does not own, which only their owner or a superuser may make: ${left.entries.join('; ')} — a superuser grants them again in the restored database`);
      }
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
    // Rows loaded against the rows the backup holds, and index builds, as the server reports them.
    const appName = `dbrollback-restore-${manifest.id}`;
    const watch = options.onProgress
      ? watchCopies({ conn, applicationName: appName, phase: 'restore', unit: 'rows', tables: manifest.tables.map((t) => ({ name: `${t.schema}.${t.table}`, total: t.rows })), listener: options.onProgress })
      : null;
    const child = startRestore(pgRestore, { ...conn, applicationName: appName }, file ?? null, { jobs: options.jobs, noOwner: Boolean(options.noOwner), onLine, ...(useList ? { useList } : {}) });
    child.exited.then(() => watch?.stop(), () => watch?.stop()).catch(() => undefined);
    // A stop asked for ends pg_restore; the database it wrote into is dropped by the caller.
    const stop = () => child.kill();
    options.signal?.addEventListener('abort', stop, { once: true });
    child.exited.finally(() => options.signal?.removeEventListener('abort', stop)).catch(() => undefined);
    await faultPoint('restore:pg-restore', options.signal);
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
    if (useList) await rm(useList, { force: true });
    await removeDump(file);
  }
}

/**
 * The roles whose objects the restoring role may grant on (itself and the roles it has the privileges of), or null for
 * a superuser, who may make every grant. A dump replays every GRANT of the database, those a superuser made on
 * pg_catalog functions (pg_create_restore_point to the application role) and on an extension's functions among them.
 */
async function grantableOwners(conn: ConnInfo): Promise<Set<string> | null> {
  const db = await connect(conn);
  try {
    if ((await roleAttributes(db)).superuser) return null;
    const { rows } = await db.query<{ name: string }>("SELECT r.rolname AS name FROM pg_catalog.pg_roles r WHERE pg_catalog.pg_has_role(current_user, r.oid, 'USAGE')");
    return new Set(rows.map((r) => r.name));
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** The dump's TOC with the ACL entries of objects owned by roles outside `owners` commented out, and those entries. */
async function grantsLeftOut(pgRestore: PgBinary, file: string, owners: Set<string>): Promise<{ list: string; entries: string[] }> {
  const toc = (await runTool(pgRestore, ['--list', file])).stdout.split('\n');
  const entries: string[] = [];
  // "ID; OID OID ACL schema FUNCTION name(args) owner": the owner is the last word.
  const list = toc.map((line) => {
    const acl = /^\d+; \d+ \d+ ACL (.*) (\S+)$/.exec(line);
    if (!acl || owners.has(acl[2]!)) return line;
    entries.push(`${acl[1]} (owned by ${acl[2]})`);
    return `;${line}`;
  });
  return { list: list.join('\n'), entries };
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
  // A session that connected while the restore ran and that this role may not end: said, the copy dropped, nothing swapped.
  const refused = blocked ? unterminableError(sessions, name, (await roleAttributes(admin)).role, `the restored copy was dropped and "${name}" is unchanged`) : null;
  if (refused) {
    await dropDatabase(admin, replacement).catch(() => undefined);
    throw refused;
  }
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

function verifyFailed(manifest: BackupManifest, database: string, mode: RestoreMode, report: VerifyReport): DbrollbackError {
  const base = verifyFailedError(report);
  const where = mode === 'swap' ? 'the restored copy did not pass and was dropped; the original database is unchanged' : `database "${database}" does not match the backup — do not use it`;
  return new DbrollbackError('VERIFY_FAILED', `restore of backup ${manifest.id}: ${base.message} (${where})`, {
    hint: 'Do not send traffic to this data. Try another backup, and check the source for changes pg_dump cannot capture.',
    details: { ...base.details, backupId: manifest.id, database },
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

/** A partial backup holds the rows of a few tables: a whole-database restore from it is refused (exit 2). */
export function partialNotWhole(m: BackupManifest, targetDatabase?: string): DbrollbackError {
  // --target-database asks for a whole database; the tables of a partial backup go into --into-database (default: --database-url's).
  const into = targetDatabase !== undefined ? ' --into-database URL (not --target-database, which restores a whole database)' : '';
  return new DbrollbackError('USAGE', `backup ${m.id} is partial: it holds the rows of ${m.partial!.tables.join(', ') || 'no table'} (and the schema), not the whole database`, {
    hint: `Restore those tables: dbrollback restore --backup ${m.id}${into} (side by side in a dbrollback_recovered_* schema; add --replace to swap them in place, --tables to choose among them). For the whole database use a full backup (\`dbrollback backups\`) or the WAL archive. Nothing was changed.`,
    details: { id: m.id, covers: m.partial!.tables },
  });
}
