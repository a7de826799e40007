/**
 * What a schema comparison leaves out: the migration tool's own history table
 * and bookkeeping (its rows change with every up and down by design, and a
 * schema it owns whole), as `schemaSnapshot`'s `exclude` names them.
 */
import type { MigratorAdapter } from '../../tools/contract.js';

export function toolExclusions(adapter: Pick<MigratorAdapter, 'historyTable' | 'bookkeeping'>): string[] {
  const own = adapter.bookkeeping;
  return [
    ...(adapter.historyTable ? [`${adapter.historyTable.schema}.${adapter.historyTable.table}`] : []),
    ...(own?.tables ?? []).map((t) => `${t.schema}.${t.table}`),
    ...(own?.schema ? [`${own.schema}.*`] : []),
  ];
}
