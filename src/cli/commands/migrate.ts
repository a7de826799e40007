import type { Command } from 'commander';
import { BACKUP_MODES, commandFlag, DbrollbackError, migrate, type BackupMode, type UpTarget } from '../../index.js';
import { durationFlag, positiveInt } from '../flags.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { migrateJson, renderMigrate } from '../render/migrate.js';

interface MigrateFlags {
  count?: number;
  to?: string;
  failOn?: string;
  backup?: string;
}

export function registerMigrate(program: Command, registrar: CommandRegistrar): void {
  registrar.action<MigrateFlags>(
    program
      .command('migrate')
      .description('lock → classify → backup → for each pending migration: restore point → up → check the head')
      .option('--count <n>', 'apply the next N pending migrations', positiveInt('--count'))
      .option('--to <name>', 'apply pending migrations up to and including NAME')
      .option(commandFlag('failOn').flag, commandFlag('failOn').help)
      .option(commandFlag('lockTimeout').flag, commandFlag('lockTimeout').help, durationFlag('--lock-timeout'))
      .option('--backup <mode>', `recovery before applying: ${BACKUP_MODES.join('|')} (default auto: a logical backup unless a WAL archive makes it unnecessary)`),
    async (run, io, opts) => {
      const report = await migrate(run, {
        target: upTargetOf(opts),
        // --fail-on and --lock-timeout are in the run's config already (flag > config file).
        ...(opts.backup !== undefined ? { backup: opts.backup as BackupMode } : {}),
        commandLine: io.commandLine,
        onStep: (line) => io.log(line),
        onProgress: progressPrinter(io),
      });
      return { json: migrateJson(report), human: renderMigrate(report), ...(report.error ? { error: report.error } : {}) };
    },
    { stopsAtSafePoints: true },
  );
}

function upTargetOf(flags: MigrateFlags): UpTarget | undefined {
  if (flags.count !== undefined && flags.to !== undefined) {
    throw new DbrollbackError('USAGE', 'give either --count N or --to NAME, not both', { hint: '--count 2 applies the next two pending migrations; --to NAME applies up to and including NAME.' });
  }
  if (flags.to !== undefined) {
    if (flags.to.trim() === '') throw new DbrollbackError('USAGE', '--to needs a migration name', { hint: 'Run `dbrollback status` for the pending migrations.' });
    return { to: flags.to };
  }
  return flags.count !== undefined ? { count: flags.count } : undefined;
}
