import type { Command } from 'commander';
import { listHistory, unfinishedRuns } from '../../index.js';
import type { CommandRegistrar } from '../registrar.js';
import { historyJson, renderHistory } from '../render/history.js';

export function registerHistory(program: Command, registrar: CommandRegistrar): void {
  registrar.action(
    program.command('history').description('the audit trail of backup, undo and restore runs, kept in the storage (newest first; interrupted runs first)'),
    async (run) => {
      const [entries, unfinished] = await Promise.all([listHistory(run.storage), unfinishedRuns(run.storage)]);
      // Past runs' messages are shown as they were recorded.
      return { json: historyJson(entries, unfinished), human: renderHistory(entries, unfinished), asRecorded: true };
    },
  );
}
