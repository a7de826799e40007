/** history: JSON and text. */
import type { AuditRecord, HistoryEntry, UnfinishedRun } from '../../index.js';
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
            detailOf(e.record),
          ]
        : ['?', '?', 'unreadable', '', '', '', `${e.key}: ${e.problem}`],
    ),
  );
}

/** One line of what a run did: its error, what an undo undid, where a migrate took the head, what a restore put where. */
function detailOf(r: AuditRecord): string {
  if (r.error) return r.error.message.split('\n')[0]!.slice(0, 100);
  if ((r.undone ?? []).length > 0) return `undone ${r.undone!.join(', ')}`;
  const x = r.extra ?? {};
  if (r.command === 'migrate' && typeof x.headAfter === 'string' && x.headAfter !== x.headBefore) return `head ${typeof x.headBefore === 'string' ? x.headBefore : '(none)'} → ${x.headAfter}`;
  if (r.command === 'restore' && ['tables', 'partial-backup', 'backup-tables'].includes(String(x.mode)) && Array.isArray(x.tables)) {
    const tables = (x.tables as Array<{ table?: unknown }>).map((t) => String(t.table)).join(', ');
    return x.replaced === true ? `${tables} swapped in place; the live ones kept in ${String(x.aside)}` : `${tables} into schema ${String(x.schema)}`;
  }
  return '';
}
