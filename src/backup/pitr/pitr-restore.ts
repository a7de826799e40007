/**
 * `dbrollback restore --point-in-time T | --lsn L | --restore-point NAME
 * --data-dir DIR`: a new cluster recovered from a base backup and the WAL
 * archive to the target, proven by the verify gate. It never touches the
 * production cluster: the copy lives in DIR, on its own loopback port, with
 * archiving off. The runbook, step by step:
 *
 *   check input → choose base backup → check WAL chain → extract base backup
 *   → write recovery settings → start server → recover to target → verify
 *   → stop server (or leave it running on --port)
 *
 * The first three steps only read: bad input and a broken archive (exit 2)
 * leave nothing behind, not even an audit record. From the extract on, the
 * run is journaled in the storage step by step, and a stop signal is obeyed
 * inside the long steps too (the download and the recovery): the server is
 * stopped, and the run ends INTERRUPTED / TERMINATED naming the partial copy.
 */
import { mkdir, chown, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditRun, type StepResult } from '../../audit/audit-trail.js';
import { Checklist, isStopError } from '../../audit/checklist.js';
import { faultPoint } from '../../audit/fault-point.js';
import type { Journal } from '../../audit/journal.js';
import { asRunError, openJournal, recordRun } from '../../audit/runbook.js';
import { connToUrl, type ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError, EXIT } from '../../errors.js';
import { freePort, osUserIds, serverOsUser, startCommand, startServer, stopServer } from '../../pgtools/local-cluster.js';
import type { ChildStorageAccess } from '../../storage/child-access.js';
import type { Storage } from '../../storage/contract.js';
import { verify, type VerifyReport, type VerifyTarget } from '../../verify/verify.js';
import { verifyFailedError, verifySummary } from '../../verify/report.js';
import type { ProgressListener } from '../../progress.js';
import type { Archiver, ArchiverKind, WalStaging } from '../archivers/contract.js';
import { DbrollbackArchiver } from '../archivers/dbrollback.js';
import { ensureConfigFiles } from './config-files.js';
import { checkDataDir } from './extract.js';
import { followRecovery, postmasterAlive, type RecoveryOutcome, type RecoveryProgress } from './follow-recovery.js';
import { copySettings, writeRecoveryConfig } from './recovery-config.js';
import { parseRecoveryTarget, type RecoveryTarget } from './target.js';
import { locateRestorePoint } from './locate-point.js';
import type { StagingReport } from './wal-stager.js';
import type { WalCoverage } from './check-wal.js';

export interface PitrRestoreOptions {
  /** With no other target: recover to the end of the archive (the newest archived moment). */
  endOfArchive?: boolean;
  pointInTime?: string;
  lsn?: string;
  restorePoint?: string;
  /** Which recorded point of that name is meant, by its LSN (--before-migration resolves one; default: the newest recorded). */
  restorePointLsn?: string;
  /** Zone of a --point-in-time written without one. */
  timezone?: string;
  /** The new data directory: absent (its parent existing) or empty. */
  dataDir: string;
  /** Leave the recovered server running on this loopback port; without it, it is stopped cleanly at the end. */
  port?: number;
  /** Why the copy is left running on `port`, for the finish step's line: the user's --port (default), or the caller's own use of it. */
  keptFor?: string;
  /** Start from this base backup instead of the newest one that fits. */
  backupId?: string;
  /** Role, password and database the verify gate uses on the copy (the production credentials, restored with it). */
  login: Pick<ConnInfo, 'user' | 'password' | 'database'>;
  /** How restore_command's wal-fetch opens the storage (default: childStorageAccess(storage) — the same URL and key). */
  storageAccess?: ChildStorageAccess;
  /** Whose archive the copy comes from (default: dbrollback's own, in `storage`); the team's pgBackRest or Barman Cloud. */
  archiver?: Archiver;
  /** How PostgreSQL runs wal-fetch: node and the CLI script (default: this node and the package's dist/cli/main.js). */
  walFetch?: { node: string; cli: string };
  /** User checks for the gate: a directory of .sql checks, or the migrations directory (checks in verify/ beside it). */
  checksDir?: string;
  migrationsDir?: string;
  cwd?: string;
  verifyJobs?: number;
  /** Give up on recovery after this long (default: no limit). */
  recoveryTimeoutSeconds?: number;
  onStep?: (line: string) => void;
  onProgress?: ProgressListener;
  onRecovery?: (progress: RecoveryProgress) => void;
  /** The command line, for the audit record (secrets are removed). */
  commandLine?: string[];
  /** A rehearsal (drill), or a step of a run that keeps its own record (table recovery): no journal, no audit record; the storage is only read. */
  noAudit?: boolean;
  /** Aborted by SIGINT/SIGTERM (reason 'SIGINT' | 'SIGTERM'): the download or the recovery in progress stops, the server is stopped. */
  signal?: AbortSignal;
  /** Called once the input and the archive have passed their checks, before DIR is written to (table recovery starts its journal here). */
  onWriting?: () => Promise<void>;
  /** For tests: "now", for refusing a target in the future. */
  now?: Date;
  /**
   * WAL staged ahead of replay by this run (default on): segments kept ahead of the server and parallel
   * fetches; false leaves every file to restore_command's wal-fetch.
   */
  staging?: { ahead?: number; workers?: number } | false;
}

export const PITR_STEPS = ['choose-base', 'check-wal', 'extract', 'configure', 'start', 'recover', 'verify', 'finish'] as const;

export interface PitrRestoreReport {
  ok: boolean;
  target: { kind: RecoveryTarget['kind']; setting: string; display: string };
  /** Whose archive the copy came from. */
  archiver: ArchiverKind;
  baseBackupId: string | null;
  /** Timeline recovery followed. */
  timeline: number | null;
  wal: { first: string; last: string; segments: number } | null;
  dataDir: string;
  port: number | null;
  /** The server is still running (--port). */
  running: boolean;
  /** postgres://user@127.0.0.1:port/db — no password. */
  url: string | null;
  /** How to start the copy again when it was stopped. */
  startCommand: string | null;
  logFile: string | null;
  recovery: RecoveryOutcome | null;
  /** What the run staged ahead of replay, and how much of it the server took (null: no staging). */
  staging: StagingReport | null;
  verify: VerifyReport | null;
  steps: StepResult[];
  durationMs: number;
  auditKey: string | null;
  error: DbrollbackError | null;
}

const VERIFY_CHECKS = ['connectivity', 'constraints', 'indexes', 'sequences', 'custom'];

export async function pitrRestore(storage: Storage, options: PitrRestoreOptions): Promise<PitrRestoreReport> {
  const started = performance.now();
  const log = options.onStep ?? (() => undefined);
  // Input first: every problem here is exit 2 with nothing touched.
  const parsed = parseRecoveryTarget({ pointInTime: options.pointInTime, lsn: options.lsn, restorePoint: options.restorePoint, timezone: options.timezone, now: options.now, endOfArchive: options.endOfArchive });
  if (options.dataDir.trim() === '') throw new DbrollbackError('USAGE', 'a point-in-time restore needs --data-dir DIR', { hint: 'Give a new (or empty) directory for the recovered cluster.' });
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)) {
    throw new DbrollbackError('USAGE', `--port must be between 1 and 65535 (got ${options.port})`, { hint: 'Choose a free loopback port for the restored cluster, or leave --port out.' });
  }
  const osUser = serverOsUser();
  const { dir: dataDir, exists: dataDirExisted } = await checkDataDir(options.dataDir, osUser);
  const port = options.port ?? (await freePort());
  if (options.port !== undefined) await checkPortFree(options.port);
  const walFetch = options.walFetch ?? defaultWalFetch();
  // Whoever archives, the restore point catalog and the audit record are in dbrollback's storage.
  const archiver = options.archiver ?? new DbrollbackArchiver(storage, options.storageAccess ? { storageAccess: options.storageAccess } : {});
  await archiver.preflight(osUser);
  if (archiver.kind !== 'dbrollback') await storage.check();
  // A restore point is placed in the WAL from the storage's records, else from the archived WAL, so the base backup can be checked against it before anything is written.
  const recorded = await locateRestorePoint(storage, parsed, options.restorePointLsn);
  const target = recorded.kind === 'name' && !recorded.at && archiver.placeRestorePoint ? await archiver.placeRestorePoint(recorded, log) : recorded;
  if (target.kind === 'name' && !target.at) log(`restore point "${target.name}" is not in the storage's records (not made by \`dbrollback migrate\`) and ${archiver.kind}'s WAL is not read here: where it lies is known only by replaying the WAL, so recovery starts from the oldest base backup on the timeline path`);

  const run = new AuditRun('restore', `point-in-time copy in ${dataDir} (127.0.0.1:${port})`, options.commandLine);
  const conn: ConnInfo = { host: '127.0.0.1', port, user: options.login.user, password: options.login.password, database: options.login.database, sslmode: undefined, applicationName: 'dbrollback' };
  // Named per run: a base backup taken of an earlier copy carries that copy's recovery log in log/.
  const logFile = path.join(dataDir, 'log', `dbrollback-recovery-${run.id}.log`);
  const report: PitrRestoreReport = {
    ok: false,
    target: { kind: target.kind, setting: target.setting, display: target.display },
    archiver: archiver.kind,
    baseBackupId: null,
    timeline: null,
    wal: null,
    dataDir,
    port: null,
    running: false,
    url: null,
    startCommand: null,
    logFile: null,
    recovery: null,
    staging: null,
    verify: null,
    steps: [],
    durationMs: 0,
    auditKey: null,
    error: null,
  };
  let serverStarted = false;
  let written = false;
  let stopFailed: string | null = null;
  let stopError: DbrollbackError | null = null;
  let journal: Journal | undefined;
  let stager: WalStaging | undefined;
  const stopStaging = async () => {
    const running = stager;
    stager = undefined;
    if (running) report.staging = await running.stop();
  };
  const signal = options.signal;
  const checklist = new Checklist(PITR_STEPS, log, {
    signal,
    facts: () => ({ mode: 'point-in-time', dataDir, port, target: target.display, baseBackupId: report.baseBackupId, serverStarted, recovered: report.recovery !== null }),
  });
  try {
    // Read-only: which base backup, on which timeline, and is every WAL segment from it to the target archived?
    const base = await checklist.run('choose-base', () => archiver.chooseBackup(target, options.backupId), (b) => `${archiver.kind === 'dbrollback' ? '' : `${archiver.location}: `}${b.id} (timeline ${b.timeline}, finished ${b.stopTime})`);
    report.baseBackupId = base.id;
    report.timeline = archiver.timeline;
    const wal = await checklist.run('check-wal', () => archiver.checkWal(base, target), (c) => c.detail);
    report.wal = wal.coverage;

    // From here on DIR is written to, and the run is journaled in the storage as it goes.
    written = true;
    await options.onWriting?.();
    if (!options.noAudit) {
      journal = openJournal(storage, run, 'restore', `point-in-time copy in ${dataDir}`, options.commandLine ?? [], PITR_STEPS);
      checklist.attach(journal);
      await journal.flush();
    }
    const layDown = (halt: AbortSignal | undefined) => archiver.layDown(base, target, dataDir, { osUser, onProgress: options.onProgress, signal: halt });
    const readOn = wal.readOn;
    await checklist.run('extract', async () => {
      if (!readOn) return layDown(signal);
      // check-wal's reading-on runs alongside: the copy is laid down meanwhile, and nothing starts before it has passed.
      try {
        const { line, checked } = await layDownWhileChecking(layDown, readOn, signal);
        report.wal = checked.coverage;
        return `${line}; ${checked.detail}`;
      } catch (err) {
        if (!(err instanceof WalCheckRefusal)) throw err;
        // Refused after all: what the extract wrote is removed, so DIR is as it was — and the error is the refusal's (exit 2).
        await removeCopy(dataDir, dataDirExisted);
        written = false;
        throw refusedWhileExtracting(err.refusal, dataDir);
      }
    }, (line) => line);
    const ids = osUser ? await osUserIds(osUser) : undefined;
    // WAL staged ahead of replay by this run, where the archiver's restore_command can take it (dbrollback's own; pgBackRest and Barman fetch with their own tools).
    const staging = options.staging ?? {};
    const stageWal = staging && archiver.stageWal ? archiver.stageWal.bind(archiver) : undefined;
    const setup = archiver.recoverySetup(base, target, walFetch, { staged: stageWal !== undefined });
    await checklist.run('configure', async () => {
      await mkdir(path.dirname(logFile), { recursive: true, mode: 0o700 });
      if (ids) await chown(path.dirname(logFile), ...ids);
      await writeRecoveryConfig(dataDir, [...setup.settings, ...copySettings({ port, serverMajor: base.serverMajor })], ids);
      const written = await ensureConfigFiles(dataDir, ids);
      // Staging starts before the server does: the first segments are on their way while it starts up.
      if (stageWal && staging) stager = await stageWal(base, dataDir, { ...staging, ...(ids ? { owner: ids } : {}) });
      return written;
    }, (written) => `${setup.describe}, ${target.display}, promote, archive_mode off, port ${port}${written.length ? `; the base backup held no ${written.join(', ')} (configuration kept outside the data directory): minimal ones written` : ''}`);
    report.logFile = logFile;
    await checklist.run('start', async () => {
      serverStarted = true;
      // Stored before the server starts: a run killed from here on is known to have left one running.
      await checklist.checkpoint();
      // A key not held in a file reaches restore_command through the server's environment, never postgresql.auto.conf.
      await startServer(dataDir, { osUser, logFile, env: setup.env });
    }, () => `pg_ctl start on port ${port}, log ${logFile}`);
    report.recovery = await checklist.run('recover', async () => {
      await checklist.checkpoint();
      await faultPoint('restore:pitr-recover', signal);
      const running = stager;
      try {
        return await followRecovery({ dataDir, logFile, conn, target, timeoutSeconds: options.recoveryTimeoutSeconds, onProgress: options.onRecovery, onRestored: (name) => running?.consumed(name), signal });
      } catch (err) {
        await stopStaging();
        throw withStagingProblem(err, report.staging);
      } finally {
        await stopStaging();
      }
    }, (r) => `${r.stoppedAt ?? 'promoted'}; ${r.segmentsFetched} segments fetched${stagingNote(report.staging)}; new timeline ${r.newTimeline ?? '?'}`);
    report.port = port;
    report.url = connToUrl({ ...conn, password: undefined });

    await faultPoint('restore:pitr-before-verify', signal);
    const verified = await checklist.run('verify', () => verify(verifyTarget(conn, options), { checks: VERIFY_CHECKS, jobs: options.verifyJobs, onProgress: (e) => e.kind === 'message' && log(e.text) }), (r) => (r.ok ? 'all checks passed' : `failed: ${failedIds(r)}`));
    report.verify = verified;
    if (!verified.ok) {
      checklist.fail('verify', `failed: ${failedIds(verified)}`);
      throw verifyFailed(verified, dataDir);
    }
  } catch (err) {
    report.error = asRunError(err);
  } finally {
    // Staging outlives no step: a failure before recovery (the start) ends it here, and its spool goes with it.
    await stopStaging().catch(() => undefined);
    // The copy keeps running only when asked (--port), recovery got it to the target, and no one asked the run to stop.
    if (serverStarted) {
      const keep = options.port !== undefined && report.recovery !== null && !isStopError(report.error);
      if (keep) {
        report.running = true;
        checklist.skip('finish', `left running on port ${port} (${options.keptFor ?? '--port'})`);
      } else {
        try {
          // A server that exited on its own (recovery saw it go) has nothing to stop; one stopped right after
          // pg_ctl start may not have written postmaster.pid yet, so it gets a moment to show up first.
          const exitedByItself = report.error?.code === 'RECOVERY_FAILED';
          await checklist.cleanup('finish', async () => ((await serverUp(dataDir, exitedByItself ? 0 : 5_000)) ? (await stopServer(dataDir, { osUser }), 'server stopped cleanly') : 'the server had already stopped'), (how) => how);
          if (report.recovery) report.startCommand = await startCommand(dataDir, logFile, osUser);
        } catch (err) {
          stopFailed = `the copy's server in ${dataDir} could not be stopped (${err instanceof Error ? err.message : String(err)}): it may still be running — stop it with pg_ctl -D ${dataDir} stop (as the ${osUser ?? 'current'} OS user). Server log: ${logFile}.`;
          stopError = new DbrollbackError('RESTORE_FAILED', `the recovered copy in ${dataDir} could not be stopped: ${err instanceof Error ? err.message : String(err)}`, {
            hint: `It may still be running: stop it with pg_ctl -D ${dataDir} stop (as the ${osUser ?? 'current'} OS user). Server log: ${logFile}.`,
            cause: err,
          });
        }
      }
    }
  }
  // The run's own failure, with what it left in DIR; else the failure to stop the copy, which says so itself.
  if (report.error) report.error = afterWriting(report.error, written, dataDir, stopFailed ?? (serverStarted ? 'its server was stopped' : 'no server was started on it'), stopFailed !== null);
  else report.error = stopError;
  report.steps = checklist.finish();
  report.ok = report.error === null;
  report.durationMs = Math.round(performance.now() - started);
  // Bad input and an incomplete archive touched nothing, the storage included: recordRun writes no record for them (exit 2).
  report.auditKey = await recordRun(run, options.noAudit ? null : storage, report.steps, report.error, {
    backupId: report.baseBackupId,
    plan: { pointInTime: report.target, archiver: archiver.kind, dataDir, timeline: report.timeline, wal: report.wal },
    verify: report.verify ? verifySummary(report.verify) : null,
    extra: { mode: 'point-in-time', dataDir, running: report.running },
  }, log, journal);
  return report;
}

/**
 * Once DIR is written to, no failure is "nothing was touched" (exit 2) any more, and every one
 * leaves a partial copy there: the error says so, and keeps its exit code only when it already
 * means "failed" or "stopped" (an exit 2 after writing becomes RESTORE_FAILED, exit 1).
 */
function afterWriting(error: DbrollbackError, written: boolean, dataDir: string, server: string, stopFailed: boolean): DbrollbackError {
  if (!written || error.code === 'VERIFY_FAILED') return error;
  const note = isStopError(error)
    ? `${dataDir} holds a partial copy, not at the target (${server}): remove it, then run the same command again.`
    : `${dataDir} holds a partial copy (${server}): remove it before trying again.`;
  if (error.exitCode !== EXIT.usage && !stopFailed && error.hint?.includes(dataDir)) return error;
  return new DbrollbackError(error.exitCode === EXIT.usage ? 'RESTORE_FAILED' : error.code, error.message, {
    hint: `${error.hint ? `${error.hint} ` : ''}${note}`,
    cause: error,
    details: { ...(error.details ?? {}), ...(error.exitCode === EXIT.usage ? { reason: error.code } : {}) },
  });
}

async function checkPortFree(port: number): Promise<void> {
  const net = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () =>
      reject(new DbrollbackError('USAGE', `--port ${port} is already in use on 127.0.0.1`, { hint: 'Choose a free port for the restored cluster, or leave --port out (the copy is then stopped at the end).' })),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/**
 * The package's own CLI for library callers: dist/cli/main.js, relative to
 * this compiled module (dist/backup/pitr/). The CLI passes its own path
 * instead, since in the bundle this module is not where tsc put it.
 */
function defaultWalFetch(): { node: string; cli: string } {
  return { node: process.execPath, cli: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/main.js') };
}

/** The verify gate reads only a connection and where user checks live. */
function verifyTarget(conn: ConnInfo, options: PitrRestoreOptions): VerifyTarget {
  return { conn, cwd: options.cwd ?? process.cwd(), checksDir: options.checksDir, migrationsDir: options.migrationsDir };
}

function failedIds(report: VerifyReport): string {
  return report.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ');
}

function verifyFailed(report: VerifyReport, dataDir: string): DbrollbackError {
  const base = verifyFailedError(report);
  return new DbrollbackError('VERIFY_FAILED', `the recovered copy in ${dataDir} failed verification: ${base.message}`, {
    hint: 'Do not use this copy for traffic. Inspect the failing checks; try an earlier target, or another base backup (--backup ID).',
    details: base.details,
  });
}

function stagingNote(staging: StagingReport | null): string {
  if (!staging) return '';
  return ` (${staging.takenByServer} staged ahead by ${staging.workers} workers, the rest by wal-fetch${staging.problem ? `; staging stopped: ${staging.problem}` : ''})`;
}

/** A recovery that failed after staging had stopped says why staging stopped too: it is often the same cause. */
function withStagingProblem(err: unknown, staging: StagingReport | null): unknown {
  if (!staging?.problem || !(err instanceof DbrollbackError) || err.code !== 'RECOVERY_FAILED') return err;
  return new DbrollbackError(err.code, `${err.message} (WAL staging had stopped before: ${staging.problem})`, { hint: err.hint, cause: err, details: err.details });
}

/** Is a server running on `dataDir`, waiting up to `graceMs` for one just started to write its postmaster.pid? */
async function serverUp(dataDir: string, graceMs: number): Promise<boolean> {
  const until = performance.now() + graceMs;
  for (;;) {
    if (await postmasterAlive(dataDir)) return true;
    if (performance.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** check-wal's reading-on refused the restore while the extract ran. */
class WalCheckRefusal extends Error {
  constructor(readonly refusal: unknown) {
    super('check-wal refused the restore');
  }
}

/**
 * The extract and check-wal's reading-on at once: a refusal stops the extract (WalCheckRefusal); a failure of the
 * extract, or a stop signal, is the step's own failure, whatever the reading still finds.
 */
async function layDownWhileChecking(
  layDown: (signal: AbortSignal) => Promise<string>,
  readOn: () => Promise<{ coverage: WalCoverage; detail: string }>,
  signal: AbortSignal | undefined,
): Promise<{ line: string; checked: { coverage: WalCoverage; detail: string } }> {
  const refused = new AbortController();
  const started = Date.now();
  const reading = readOn().then(
    (checked) => ({ checked, ms: Date.now() - started }),
    (refusal: unknown) => {
      refused.abort();
      return { refusal };
    },
  );
  let line: string;
  try {
    line = await layDown(signal ? AbortSignal.any([signal, refused.signal]) : refused.signal);
  } catch (err) {
    if (signal?.aborted || !refused.signal.aborted) throw err;
    line = '';
  }
  const laidDownMs = Date.now() - started;
  const read = await reading;
  if ('refusal' in read) throw new WalCheckRefusal(read.refusal);
  // Both durations in the step's line: the step lasts as long as the slower of the two.
  return { line: `${line} (laid down in ${(laidDownMs / 1000).toFixed(2)} s, reading-on ${(read.ms / 1000).toFixed(2)} s)`, checked: read.checked };
}

/** Remove what the extract wrote: DIR itself when the run created it, else only what it put in the empty DIR it was given. */
async function removeCopy(dataDir: string, existed: boolean): Promise<void> {
  // A server stopping at the same moment may still write a file or two: ENOTEMPTY is retried.
  const retried = { recursive: true, force: true, maxRetries: 10, retryDelay: 50 } as const;
  if (!existed) {
    await rm(dataDir, retried);
    return;
  }
  for (const entry of await readdir(dataDir)) await rm(path.join(dataDir, entry), retried);
}

/** The refusal, saying what happened to DIR (its own hint says "Nothing was written", true of the storage only). */
function refusedWhileExtracting(refusal: unknown, dataDir: string): unknown {
  if (!(refusal instanceof DbrollbackError)) return refusal;
  const said = `${dataDir} is as it was: the base backup was being extracted into it alongside this check; that was stopped and what it wrote removed.`;
  return new DbrollbackError(refusal.code, refusal.message, { hint: `${said} ${(refusal.hint ?? '').replace(/^Nothing was written\. /, '')}`.trim(), cause: refusal, details: { ...(refusal.details ?? {}), extractStopped: true } });
}
