/** history: JSON and text. */
import type { HistoryEntry, UnfinishedRun } from '../../index.js';
import { table } from '../output.js';
import { describeUnfinished, unfinishedJson } from './unfinished.js';

/** Finished runs (their audit records) newest first, and before them the runs that never finished. */
export function historyJson(entries: HistoryEntry[], unfinished: UnfinishedRun[]) {
  return {
    runs: [
      ...unfinished.map((r) => ({ key: `journal/${r.runId}/`, id: r.runId, outcome: r.state, ...unfinishedJson(r) })),
      ...entries.map((e) => (e.record ? { key: e.key, ...e.record } : { key: e.key, problem: e.problem })),
    ],
  };
}

export function renderHistory(entries: HistoryEntry[], unfinished: UnfinishedRun[]): string {
  if (entries.length === 0 && unfinished.length === 0) return 'no runs recorded in this storage';
  const open = unfinished.map(describeUnfinished);
  if (entries.length === 0) return open.join('\n');
  return (open.length > 0 ? `${open.join('\n')}\n\n` : '') + table(
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
