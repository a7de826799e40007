import type { Command } from 'commander';
import { DbrollbackError, restore } from '../../index.js';
import { positiveInt } from '../flags.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { renderRestore, restoreJson } from '../render/restore.js';
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
      .option('--backup <id>', 'backup id, or "latest" (the newest complete backup)')
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
    async (run, io, opts) => {
      if (wantsPitr(opts)) {
        if (opts.dataDir === undefined) {
          throw new DbrollbackError('USAGE', 'a point-in-time restore needs --data-dir DIR (a new or empty directory for the recovered cluster)', {
            hint: 'e.g. dbrollback restore --point-in-time "2026-01-02 14:30:00+01:00" --data-dir /var/lib/postgresql/pitr',
          });
        }
        return runPitr(run, io, opts);
      }
      if (opts.backup === undefined) {
        throw new DbrollbackError('USAGE', 'restore needs --backup ID|latest', { hint: 'List backups with `dbrollback backups`; e.g. dbrollback restore --backup latest --target-database URL.' });
      }
      const report = await restore(run, {
        backup: opts.backup,
        targetDatabase: opts.targetDatabase,
        yes: io.yes,
        ...(io.interactive ? { confirm: (question: string) => io.confirm(question) } : {}),
        terminateConnections: opts.terminateConnections,
        noOwner: opts.owner === false,
        jobs: opts.jobs,
        tempDir: opts.tempDir,
        onStep: (line) => io.log(line),
        onDebug: (line) => io.debug(line),
        onProgress: progressPrinter(io),
        commandLine: io.commandLine,
      });
      return { json: restoreJson(report), human: renderRestore(report), ...(report.error ? { error: report.error } : {}) };
    },
  );
}
