import type { Command } from 'commander';
import { DbrollbackError, restore } from '../../index.js';
import { positiveInt } from '../flags.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { renderRestore, restoreJson } from '../render/restore.js';

interface RestoreFlags {
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
      .description('logical restore from a backup, checked against its manifest (exit 3 on any difference)')
      .option('--backup <id>', 'backup id, or "latest" (the newest complete backup)')
      .option('--target-database <url>', 'restore into this database (created if missing) instead of in place')
      .option('--terminate-connections', 'end sessions on the database being replaced (otherwise they refuse the restore)')
      .option('--no-owner', 'do not restore object ownership (for clusters lacking the source roles)')
      .option('--jobs <n>', 'parallel pg_restore jobs (default: 1 for small dumps, else up to 4)', positiveInt('--jobs'))
      .option('--temp-dir <dir>', 'where a parallel restore keeps the downloaded dump (default: the OS temp directory)'),
    async (run, io, opts) => {
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
