import type { Command } from 'commander';
import { commandFlag, plan } from '../../index.js';
import { positiveInt } from '../flags.js';
import type { CommandRegistrar } from '../registrar.js';
import { planJson, renderPlan } from '../render/plan.js';
import { downTargetOf, type TargetFlags } from './target.js';

export function registerPlan(program: Command, registrar: CommandRegistrar): void {
  registrar.action<TargetFlags>(
    program
      .command('plan')
      .description('the rollback plan for the last N migrations (default 1) or back to NAME; changes nothing')
      .option('--count <n>', 'roll back the last N applied migrations', positiveInt('--count'))
      .option('--to <name>', 'roll back every migration applied after NAME (NAME stays applied)')
      .option(commandFlag('pauseTraffic').flag, `${commandFlag('pauseTraffic').help}; shown in the steps`)
      .option(commandFlag('resumeTraffic').flag, `${commandFlag('resumeTraffic').help}; shown in the steps`),
    async (run, _io, opts) => {
      // The run's config already holds --pause-traffic / --resume-traffic over the config file's.
      const result = await plan(run, {
        target: downTargetOf(opts, { count: 1 }) ?? { count: 1 },
        pauseTraffic: run.config.pauseTraffic,
        resumeTraffic: run.config.resumeTraffic,
      });
      return { json: planJson(result), human: renderPlan(result) };
    },
  );
}
