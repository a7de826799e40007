import type { Command } from 'commander';
import { commandFlag, DbrollbackError, exitCodeOf, undo, undoBackupMode } from '../../index.js';
import { durationFlag, positiveInt } from '../flags.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { renderPlan } from '../render/plan.js';
import { renderUndo, undoJson } from '../render/undo.js';
import { downTargetOf, type TargetFlags } from './target.js';

interface UndoFlags extends TargetFlags {
  dryRun?: boolean;
  acceptDataLoss?: boolean;
  acceptSchemaDifference?: boolean;
  backup?: string | false;
}

export function registerUndo(program: Command, registrar: CommandRegistrar): void {
  registrar.action<UndoFlags>(
    program
      .command('undo')
      .description('lock → plan → backup → down migrations → verify → resume traffic')
      .option('--count <n>', 'undo the last N applied migrations', positiveInt('--count'))
      .option('--to <name>', 'undo every migration applied after NAME (NAME stays applied)')
      .option('--dry-run', 'print the plan and the SQL the downs would run; change nothing (exits 4 when the real run would be refused)')
      .option('--accept-data-loss', 'allow down migrations that destroy live data')
      .option('--accept-schema-difference', 'allow down migrations that would not bring the schema back exactly (the differences plan names); verify reports them as accepted')
      .option(commandFlag('undoBackup').flag, commandFlag('undoBackup').help)
      .option('--no-backup', 'the same as --backup never (recorded in the audit trail)')
      .option(commandFlag('pauseTraffic').flag, commandFlag('pauseTraffic').help)
      .option(commandFlag('resumeTraffic').flag, commandFlag('resumeTraffic').help)
      .option(commandFlag('lockTimeout').flag, commandFlag('lockTimeout').help, durationFlag('--lock-timeout')),
    async (run, io, opts) => {
      const target = downTargetOf(opts, null);
      if (target === null) {
        throw new DbrollbackError('USAGE', 'undo needs --count N or --to NAME', { hint: 'e.g. dbrollback undo --count 1 (run `dbrollback plan --count 1` first to see what it does).' });
      }
      // --pause-traffic, --resume-traffic and --lock-timeout are in the run's config already (flag > config file > env).
      const report = await undo(run, {
        target,
        dryRun: opts.dryRun,
        acceptDataLoss: opts.acceptDataLoss,
        acceptSchemaDifference: opts.acceptSchemaDifference,
        noBackup: opts.backup === false,
        ...(typeof opts.backup === 'string' ? { backup: undoBackupMode(opts.backup) } : {}),
        yes: io.yes,
        confirm: io.interactive ? (p) => io.confirm(`${renderPlan(p)}\n\nUndo ${p.migrations.length} migration(s) on ${p.database}?`) : undefined,
        commandLine: io.commandLine,
        onStep: (line) => io.log(line),
        onProgress: progressPrinter(io),
      });
      // A dry run exits as the real run would be refused (4), so `undo --dry-run && undo --yes` never goes on to a refusal.
      const refused = report.wouldRefuse ? { exitCode: exitCodeOf(report.wouldRefuse) } : {};
      return { json: undoJson(report), human: renderUndo(report), ...refused, ...(report.error ? { error: report.error } : {}) };
    },
    { stopsAtSafePoints: true },
  );
}
