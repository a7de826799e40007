/** history: JSON and text. */
import type { HistoryEntry } from '../../index.js';
import { table } from '../output.js';

export function historyJson(entries: HistoryEntry[]) {
  return { runs: entries.map((e) => (e.record ? { key: e.key, ...e.record } : { key: e.key, problem: e.problem })) };
}

export function renderHistory(entries: HistoryEntry[]): string {
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
