/** `dbrollback verify`: the integrity gate. Exit 0 = traffic may return, 3 = it may not, 1 = could not run. */
import { Option, type Command } from 'commander';
import { CHECK_IDS, EXIT, parseTableRefs, verify, verifyFailedError } from '../../index.js';
import { commaList, positiveInt } from '../flags.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { formatVerifyReport } from '../render/verify.js';

interface VerifyFlags {
  baseline?: string;
  baselineFile?: string;
  expectHead?: string;
  expectChanged?: string;
  checks?: string;
  skipChecks?: string;
  checksDir?: string;
  installAmcheck?: boolean;
  jobs?: number;
  timeout?: number;
  statementTimeout?: number;
}

export function registerVerify(program: Command, registrar: CommandRegistrar): void {
  registrar.action<VerifyFlags>(
    program
      .command('verify')
      .description('integrity gate before traffic returns: exit 0 = it may, 3 = it may not')
      .addOption(new Option('--baseline <id>', 'compare row counts and fingerprints with this backup\'s manifest (a backup id, or "latest": the newest of the --database-url database)').conflicts('baselineFile'))
      .option('--baseline-file <file>', 'compare with a JSON file: a backup manifest, or {"tables": [...]}')
      .option('--expect-head <name>', 'the migration that must be the head (after an undo: its target)')
      .option('--expect-changed <tables>', 'tables the rollback was expected to change (schema.table,...; named as --tables names them, e.g. \'"Sales.EU"."Order Line",billing."Invoice"\'): reported, not failed')
      .option('--checks <ids>', `run only these checks (${CHECK_IDS.join(', ')})`)
      .option('--skip-checks <ids>', 'leave these checks out')
      .option('--checks-dir <dir>', 'directory of .sql check queries (default: verify/ beside the migrations)')
      .option('--install-amcheck', 'create the amcheck extension if it is available but not installed')
      .option('--jobs <n>', 'connections hashing tables in parallel (default 2)', positiveInt('--jobs'))
      .option('--timeout <seconds>', 'time limit for the whole gate', positiveInt('--timeout'))
      .option('--statement-timeout <seconds>', 'time limit of each custom check query (default 60)', positiveInt('--statement-timeout')),
    async (run, io, flags) => {
      const report = await verify(run, {
        ...(flags.checks !== undefined ? { checks: commaList(flags.checks) } : {}),
        ...(flags.skipChecks !== undefined ? { skipChecks: commaList(flags.skipChecks) } : {}),
        ...(flags.expectHead !== undefined ? { expectHead: flags.expectHead } : {}),
        ...(flags.baseline !== undefined ? { baseline: await run.baselineFromBackup(flags.baseline) } : {}),
        ...(flags.baselineFile !== undefined ? { baselineFile: flags.baselineFile } : {}),
        ...(flags.expectChanged !== undefined ? { expectChanged: parseTableRefs(flags.expectChanged) } : {}),
        ...(flags.checksDir !== undefined ? { checksDir: flags.checksDir } : {}),
        ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
        ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
        ...(flags.statementTimeout !== undefined ? { statementTimeoutSeconds: flags.statementTimeout } : {}),
        installAmcheck: flags.installAmcheck ?? false,
        onProgress: progressPrinter(io),
      });
      if (report.ok) return { json: report, human: formatVerifyReport(report) };
      const error = verifyFailedError(report);
      return {
        json: { ...report, error: error.toJSON() },
        human: formatVerifyReport(report),
        exitCode: EXIT.verifyFailed,
      };
    },
  );
}
