/** The point-in-time half of `dbrollback restore`: flags → pitrRestore → report. */
import { pitrRestore, type PitrRestoreReport, type RestoreRequest, type RunContext } from '../../index.js';
import type { CommandResult, Io } from '../output.js';
import { formatVerifyReport } from '../render/verify.js';
import { progressPrinter } from '../progress.js';
import { stepLines } from '../render/steps.js';

export async function runPitr(run: RunContext, io: Io, flags: RestoreRequest): Promise<CommandResult> {
  const config = run.config;
  const storage = run.storage;
  const report = await pitrRestore(storage, {
    pointInTime: flags.pointInTime,
    lsn: flags.lsn,
    restorePoint: flags.restorePoint,
    restorePointLsn: flags.restorePointLsn,
    timezone: flags.timezone,
    dataDir: flags.dataDir ?? '',
    port: flags.port,
    backupId: flags.backup,
    login: { user: config.conn.user, password: config.conn.password, database: config.conn.database },
    // PostgreSQL runs this very CLI as its restore_command.
    walFetch: { node: process.execPath, cli: process.argv[1]! },
    archiver: run.archiver,
    checksDir: config.checksDir,
    migrationsDir: config.migrationsDir,
    cwd: config.cwd,
    recoveryTimeoutSeconds: flags.recoveryTimeout,
    onStep: (line) => io.log(line),
    onProgress: progressPrinter(io),
    onRecovery: (p) => io.log(`recover: ${p.segmentsFetched} WAL segments fetched, replayed to ${p.replayLsn ?? '(not consistent yet)'}${p.replayTime ? ` (${p.replayTime})` : ''} → ${p.target}`),
    commandLine: io.commandLine,
    ...(run.signal ? { signal: run.signal } : {}),
  });
  return { json: pitrJson(report), human: renderPitr(report), ...(report.error ? { error: report.error } : {}) };
}

function pitrJson(r: PitrRestoreReport) {
  return {
    ok: r.ok,
    target: r.target,
    archiver: r.archiver,
    baseBackupId: r.baseBackupId,
    timeline: r.timeline,
    wal: r.wal,
    dataDir: r.dataDir,
    port: r.port,
    running: r.running,
    url: r.url,
    startCommand: r.startCommand,
    logFile: r.logFile,
    recovery: r.recovery,
    staging: r.staging,
    verify: r.verify,
    steps: r.steps,
    durationMs: r.durationMs,
    auditKey: r.auditKey,
    ...(r.error ? { error: r.error.toJSON() } : {}),
  };
}

function renderPitr(r: PitrRestoreReport): string {
  const lines: string[] = [];
  lines.push(...stepLines(r.steps));
  if (r.verify) lines.push('', formatVerifyReport(r.verify));
  if (r.recovery) {
    lines.push('', `recovered ${r.dataDir} from ${r.archiver === 'dbrollback' ? '' : `${r.archiver} `}base backup ${r.baseBackupId} to ${r.target.display} (${(r.durationMs / 1000).toFixed(1)} s); archiving is OFF in the copy`);
    if (r.running) lines.push(`running: ${r.url}`);
    else if (r.startCommand) lines.push(`stopped cleanly; start it with: ${r.startCommand}`);
  }
  return lines.join('\n');
}
