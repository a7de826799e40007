/**
 * One MigrationStatus from what every adapter reads: the history (applied
 * names with their times, in the tool's order) and the definitions on disk
 * (in the tool's apply order).
 */
import type { DownKind, MigrationInfo, MigrationStatus } from './contract.js';

export interface HistoryEntry {
  name: string;
  appliedAt: Date | null;
}

export interface Definition {
  name: string;
  path: string | null;
  down: DownKind;
  downNote?: string;
}

export function statusOf(
  migrator: string,
  history: readonly HistoryEntry[],
  definitions: readonly Definition[],
  lockHolder: MigrationStatus['lockHolder'],
): MigrationStatus {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const appliedNames = new Set(history.map((h) => h.name));
  const applied: MigrationInfo[] = history.map((h) => {
    const def = byName.get(h.name);
    // Recorded as applied but gone from disk: nothing can undo it.
    return { name: h.name, path: def ? def.path : null, applied: true, appliedAt: h.appliedAt, down: def ? def.down : 'missing', ...(def?.downNote ? { downNote: def.downNote } : {}) };
  });
  const pending: MigrationInfo[] = definitions
    .filter((d) => !appliedNames.has(d.name))
    .map((d) => ({ name: d.name, path: d.path, applied: false, appliedAt: null, down: d.down, ...(d.downNote ? { downNote: d.downNote } : {}) }));
  return {
    migrator,
    migrations: [...applied, ...pending],
    applied,
    pending,
    head: applied.at(-1)?.name ?? null,
    missingDefinitions: history.filter((h) => !byName.has(h.name)).map((h) => h.name),
    lockHolder,
  };
}
