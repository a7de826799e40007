/**
 * Flyway's head without the project's files, as its adapter names it with
 * them (state.ts): the history read as Flyway's MigrationInfoService reads
 * it — an undone version (UNDO_SQL or DELETE row after it) is not applied,
 * a failed row counts for nothing, a repeatable counts at its latest
 * successful run — and the last applied entry by installed_rank named after
 * its script (`V3__add_orders`, the file's name without its suffix, `.sql`, which is
 * how the adapter names it when the file is there). A head that is Flyway's
 * baseline is named through the file at its version, if there is one: not
 * without the files.
 */
import type { Db } from '../../db/connection.js';
import type { HistoryHead } from '../tool.js';
import { readRows, type HistoryTable } from './history.js';
import { DEFAULT_NAMING, type FlywayNaming } from './names.js';
import { stateOf } from './state.js';

export async function headOf(db: Db, table: HistoryTable, naming: FlywayNaming = DEFAULT_NAMING): Promise<HistoryHead> {
  const rows = await readRows(db, table);
  // No files: every applied row is named by its recorded script without its suffix (what validate would say of that is not the question here).
  const last = stateOf({ dir: '', migrations: [], callbacks: [], ignored: [], naming, baselines: [] }, rows, new Map(), { outOfOrder: false }).applied.at(-1);
  if (last === undefined) return { head: null };
  if (last.row.type === 'BASELINE') return { unnamed: `its head is Flyway's baseline (version ${last.row.version}), which is named by the migration file of that version when there is one` };
  return { head: last.name };
}
