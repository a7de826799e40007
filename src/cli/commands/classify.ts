/** `dbrollback classify PATH...`: static classification of migration files (a linter for CI). */
import type { Command } from 'commander';
import { classify, classifyFailOnError, classifyInputError, FAIL_ON, type FailOn } from '../../index.js';
import { commaList, positiveInt } from '../flags.js';
import { progressPrinter } from '../progress.js';
import type { CommandRegistrar } from '../registrar.js';
import { formatClassifyReport } from '../render/classify.js';

interface ClassifyFlags {
  failOn?: string;
  pgVersion?: number;
}

export function registerClassify(program: Command, registrar: CommandRegistrar): void {
  registrar.action<ClassifyFlags>(
    program
      .command('classify')
      .description('classify migration files: compatibility, data loss, reversibility, locks (code migrations run in a scratch database)')
      .argument('<paths...>', 'migration files or directories')
      .option('--fail-on <conditions>', `exit 4 when a finding is ${FAIL_ON.join(' and/or ')} (comma-separated)`)
      .option('--pg-version <major>', 'target PostgreSQL major version for version-aware rules (default 17)', positiveInt('--pg-version')),
    async (run, io, flags, args) => {
      const failOn = flags.failOn === undefined ? [] : (commaList(flags.failOn) as FailOn[]);
      const result = await classify(run.config, args, {
        failOn,
        ...(flags.pgVersion !== undefined ? { serverVersion: flags.pgVersion } : {}),
        onProgress: progressPrinter(io),
      });
      // Formatting thousands of lines costs as much as classifying them: only when they are printed.
      const human = io.json ? '' : formatClassifyReport(result, run.cwd);
      if (result.ok) return { json: result, human };
      // Files that could not be classified are bad input (exit 2), reported after all the others.
      const invalid = classifyInputError(result);
      if (invalid) return { json: { ...result, error: invalid.toJSON() }, human, exitCode: invalid.exitCode, error: invalid };
      const error = classifyFailOnError(result);
      return { json: { ...result, error: error.toJSON() }, human, exitCode: error.exitCode };
    },
  );
}
