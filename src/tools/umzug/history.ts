/**
 * umzug's history is the project's own storage (a table, SequelizeMeta, a
 * file...): read through the storage's own methods, with the context the
 * project's instance builds, so whatever it keeps is read as umzug reads it.
 * umzug writes it itself: dbrollback applies and undoes through the instance.
 */
import type { HistoryEntry } from '../status-of.js';

/** The optional storage extension dbrollback reads applied-at times from. */
export interface StorageWithTimes {
  executedWithTimes(meta: { context: unknown }): Promise<Array<{ name: string; appliedAt: Date | string | null }>>;
}

/** The storage methods dbrollback reads (umzug's own `executed`, and the optional times). */
export interface UmzugStorage {
  executed(meta: { context: unknown }): Promise<string[]>;
  executedWithTimes?: StorageWithTimes['executedWithTimes'];
}

export interface RecordedHistory {
  /** The names the storage records as executed, in its order. */
  names: string[];
  /** When each was applied, where the storage says. */
  times: Map<string, Date | null>;
}

export async function readHistory(storage: UmzugStorage, context: unknown): Promise<RecordedHistory> {
  const [names, times] = await Promise.all([
    storage.executed({ context }),
    typeof storage.executedWithTimes === 'function' ? storage.executedWithTimes({ context }) : Promise.resolve(null),
  ]);
  return { names, times: new Map((times ?? []).map((t) => [t.name, t.appliedAt === null ? null : new Date(t.appliedAt)])) };
}

/** umzug's own notion of "executed": its migration list, filtered by the storage (list order). */
export function historyInListOrder(list: ReadonlyArray<{ name: string }>, recorded: RecordedHistory): HistoryEntry[] {
  const executed = new Set(recorded.names);
  return list.filter((m) => executed.has(m.name)).map((m) => ({ name: m.name, appliedAt: recorded.times.get(m.name) ?? null }));
}
