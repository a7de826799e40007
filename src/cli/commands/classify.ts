/** `dbrollback classify PATH...`: static classification of migration files (a linter for CI). */
import type { Command } from 'commander';
import { classify, classifyFailOnError, formatClassifyReport, FAIL_ON, type FailOn } from '../../index.js';
import { positiveInt, type CommandRegistrar } from '../program.js';

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
    async (config, io, flags, args) => {
      const failOn = flags.failOn === undefined ? [] : (flags.failOn.split(',').map((s) => s.trim()).filter(Boolean) as FailOn[]);
      const result = await classify(config, args, {
        failOn,
        ...(flags.pgVersion !== undefined ? { serverVersion: flags.pgVersion } : {}),
        onProgress: (line) => io.log(line),
      });
      // Formatting thousands of lines costs as much as classifying them: only when they are printed.
      const human = io.json ? '' : formatClassifyReport(result, config.cwd);
      if (result.ok) return { json: result, human };
      const error = classifyFailOnError(result);
      return { json: { ...result, error: error.toJSON() }, human, exitCode: error.exitCode };
    },
  );
}
