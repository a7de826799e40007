/**
 * Sqitch's head without the project's files: the last change deployed
 * (committed_at order, as the adapter and `sqitch status` read the
 * registry) of the one project the registry holds, named by its change
 * name. The plan names the project, so a registry of several projects
 * names no head. The plan also names an earlier instance of a change
 * reworked later in it `name@tag`; the registry does not show the rework,
 * so such a head (deployed, the rework not yet) would be recorded as
 * `name`, not as the adapter names it.
 */
import { quoteQualified, type Db } from '../../db/connection.js';
import type { HistoryHead, HistorySettings } from '../tool.js';
import { readDeployed } from './history.js';

export async function headOf(db: Db, settings: HistorySettings): Promise<HistoryHead> {
  const registry = settings.migrationsSchema ?? 'sqitch';
  const { rows } = await db.query<{ project: string }>(`SELECT DISTINCT project FROM ${quoteQualified(registry, 'changes')} ORDER BY project`);
  if (rows.length === 0) return { head: null };
  if (rows.length > 1) return { unnamed: `it holds the changes of several Sqitch projects (${rows.map((r) => r.project).join(', ')}), and the project is named by its sqitch.plan` };
  return { head: (await readDeployed(db, registry, rows[0]!.project)).at(-1)?.change ?? null };
}
