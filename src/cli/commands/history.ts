import type { Command } from 'commander';
import { history, type HistoryEntry } from '../../index.js';
import { table } from '../output.js';
import type { CommandRegistrar } from '../program.js';

export function registerHistory(program: Command, registrar: CommandRegistrar): void {
  registrar.action(
    program.command('history').description('the audit trail of undo and restore runs, kept in the storage (newest first)'),
    async (config) => {
      const entries = await history(config);
      return {
        json: { runs: entries.map((e) => (e.record ? { key: e.key, ...e.record } : { key: e.key, problem: e.problem })) },
        human: render(entries),
      };
    },
  );
}

function render(entries: HistoryEntry[]): string {
  if (entries.length === 0) return 'no undo or restore runs recorded in this storage';
  return table(
    ['when', 'command', 'outcome', 'who', 'database', 'backup', 'detail'],
    entries.map((e) =>
      e.record
        ? [
            e.record.startedAt,
            e.record.command,
            e.record.outcome,
            `${e.record.who.osUser}@${e.record.who.host}`,
            e.record.database,
            e.record.backupId ?? '',
            e.record.error ? e.record.error.message.split('\n')[0]!.slice(0, 100) : (e.record.undone ?? []).length ? `undone ${(e.record.undone ?? []).join(', ')}` : '',
          ]
        : ['?', '?', 'unreadable', '', '', '', `${e.key}: ${e.problem}`],
    ),
  );
}
