import type { Command } from 'commander';
import { status } from '../../index.js';
import type { CommandRegistrar } from '../registrar.js';
import { renderStatus, statusJson } from '../render/status.js';

export function registerStatus(program: Command, registrar: CommandRegistrar): void {
  registrar.action(
    program.command('status').description('applied and pending migrations, applied-at, whether each has a down, lock holders'),
    async (run) => {
      const report = await status(run);
      return { json: statusJson(report), human: renderStatus(report) };
    },
  );
}
