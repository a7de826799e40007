import type { Command } from 'commander';
import type { CommandRegistrar } from '../program.js';

export function registerStatus(program: Command, registrar: CommandRegistrar): void {
  registrar.action(
    program.command('status').description('applied and pending migrations, applied-at, whether each has a down'),
    async () => ({ json: {}, human: '' }),
  );
}
