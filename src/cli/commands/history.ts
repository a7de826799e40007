import type { Command } from 'commander';
import { listHistory } from '../../index.js';
import type { CommandRegistrar } from '../registrar.js';
import { historyJson, renderHistory } from '../render/history.js';

export function registerHistory(program: Command, registrar: CommandRegistrar): void {
  registrar.action(
    program.command('history').description('the audit trail of undo and restore runs, kept in the storage (newest first)'),
    async (run) => {
      const entries = await listHistory(run.storage);
      return { json: historyJson(entries), human: renderHistory(entries) };
    },
  );
}
