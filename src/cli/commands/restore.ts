import type { Command } from 'commander';
import { DbrollbackError, describeConn, restore, type RestoreResult } from '../../index.js';
import { progressPrinter } from '../progress.js';
import { positiveInt, type CommandRegistrar } from '../program.js';
import { runPitr, wantsPitr, type PitrFlags } from './restore-pitr.js';

interface RestoreFlags extends PitrFlags {
  backup?: string;
  targetDatabase?: string;
  terminateConnections?: boolean;
  owner?: boolean;
  jobs?: number;
  tempDir?: string;
}

export function registerRestore(program: Command, registrar: CommandRegistrar): void {
  registrar.action<RestoreFlags>(
    program
      .command('restore')
      .description('logical restore from a backup, checked against its manifest (exit 3 on any difference); or point-in-time recovery into a new data directory')
      .option('--backup <id>', 'backup id, or "latest" (the newest complete backup); with a point-in-time target: the base backup to start from')
      .option('--target-database <url>', 'restore into this database (created if missing) instead of in place')
      .option('--terminate-connections', 'end sessions on the database being replaced (otherwise they refuse the restore)')
      .option('--no-owner', 'do not restore object ownership (for clusters lacking the source roles)')
      .option('--jobs <n>', 'parallel pg_restore jobs (default: 1 for small dumps, else up to 4)', positiveInt('--jobs'))
      .option('--temp-dir <dir>', 'where a parallel restore keeps the downloaded dump (default: the OS temp directory)')
      .option('--point-in-time <time>', 'recover to this time: ISO 8601 with a zone ("2026-01-02 14:30:00+01:00", 2026-01-02T13:30:00Z)')
      .option('--lsn <lsn>', 'recover to this WAL position (e.g. 0/5000060)')
      .option('--restore-point <name>', "recover to a named restore point (pg_create_restore_point('NAME'))")
      .option('--timezone <zone>', 'the zone of a --point-in-time written without one (Europe/Paris, UTC, +02:00)')
      .option('--data-dir <dir>', 'point-in-time: the new data directory (absent or empty)')
      .option('--port <port>', 'point-in-time: leave the recovered server running on this loopback port (default: stop it at the end)', positiveInt('--port'))
      .option('--recovery-timeout <seconds>', 'point-in-time: give up when recovery takes longer (default: no limit)', positiveInt('--recovery-timeout')),
    async (config, io, opts) => {
      if (wantsPitr(opts)) {
        if (opts.dataDir === undefined) {
          throw new DbrollbackError('USAGE', 'a point-in-time restore needs --data-dir DIR (a new or empty directory for the recovered cluster)', {
            hint: 'e.g. dbrollback restore --point-in-time "2026-01-02 14:30:00+01:00" --data-dir /var/lib/postgresql/pitr',
          });
        }
        return runPitr(config, io, opts);
      }
      if (opts.backup === undefined) {
        throw new DbrollbackError('USAGE', 'restore needs --backup ID|latest', { hint: 'List backups with `dbrollback backups`; e.g. dbrollback restore --backup latest --target-database URL.' });
      }
      let yes = config.yes;
      if (!yes && opts.targetDatabase === undefined && io.interactive) {
        yes = await io.confirm(`Replace database ${describeConn(config.conn)} with backup ${opts.backup}? (the current one is kept under a new name)`);
      }
      const result = await restore(config, {
        backup: opts.backup,
        targetDatabase: opts.targetDatabase,
        yes,
        terminateConnections: opts.terminateConnections,
        noOwner: opts.owner === false,
        jobs: opts.jobs,
        tempDir: opts.tempDir,
        onStep: (line) => io.log(line),
        onDebug: (line) => io.debug(line),
        onProgress: progressPrinter(io),
        commandLine: io.commandLine,
      });
      return { json: restoreJson(result), human: renderRestore(result) };
    },
  );
}

function restoreJson(r: RestoreResult) {
  return {
    ok: r.verify.ok,
    backupId: r.backupId,
    database: r.database,
    target: r.target,
    mode: r.mode,
    previousDatabase: r.previousDatabase,
    jobs: r.jobs,
    terminatedSessions: r.terminatedSessions,
    verify: r.verify,
    durationMs: r.durationMs,
    auditKey: r.auditKey ?? null,
  };
}

function renderRestore(r: RestoreResult): string {
  const lines = [
    `restored backup ${r.backupId} into ${r.target} (${r.mode}, ${r.jobs} job${r.jobs > 1 ? 's' : ''}, ${(r.durationMs / 1000).toFixed(1)} s)`,
    `verified: ${r.verify.tables} tables match the manifest (row counts and fingerprints)`,
  ];
  if (r.previousDatabase) lines.push(`the previous database is kept as "${r.previousDatabase}" — drop it once you no longer need it`);
  return lines.join('\n');
}
