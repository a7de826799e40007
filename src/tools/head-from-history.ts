/**
 * The migration head when no project is configured (a nightly `dbrollback
 * backup --database-url … --storage …`): whichever tool's history table the
 * database holds, read by that tool. One tool's table found and naming its
 * head as the tool's adapter would with the project's files: that head. None,
 * several, or a table that cannot name it (see each tool's readHead): no
 * head, and the reason why, which the backup's log line and its manifest
 * (`migrationHeadNote`) record.
 */
import type { Db } from '../db/connection.js';
import type { HeadLookup } from '../verify/check.js';
import { findHistoryTables, probeFound } from './detect.js';
import type { HistorySettings, MigrationTool } from './tool.js';

export async function headFromHistoryTables(db: Db, tools: readonly MigrationTool[], settings: HistorySettings): Promise<HeadLookup> {
  const probes = tools.map((tool) => ({ tool, probes: tool.historyTables(settings) }));
  const found = await findHistoryTables(db, probes.flatMap((p) => p.probes));
  const present = probes.flatMap(({ tool, probes: own }) => {
    const hit = own.find((probe) => probeFound(probe, found));
    return hit ? [{ tool, table: `${hit.schema}.${hit.table}` }] : [];
  });
  const why = 'no migrations are configured (--migrations DIR, --migrator, or a ./migrations directory)';
  if (present.length === 0) return { configured: false, reason: `${why}, and the database holds no known migration history table` };
  if (present.length > 1) {
    return { configured: false, reason: `${why}, and the database holds the history tables of ${present.map((p) => `${p.tool.kind} (${p.table})`).join(' and ')}: pass --migrator and --migrations DIR` };
  }
  const { tool, table } = present[0]!;
  const read = await tool.readHead(db, settings);
  if ('unnamed' in read) {
    const reason = `${why}; the database holds ${tool.kind}'s history table ${table}, but ${read.unnamed}: pass --migrations DIR`;
    return { configured: false, reason, ...(read.version !== undefined ? { version: { migrator: tool.kind, version: read.version } } : {}), ...(read.blocked ? { blocked: `${table}: ${read.unnamed}` } : {}) };
  }
  return { configured: true, head: read.head, migrator: tool.kind, from: table };
}
