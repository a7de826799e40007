/**
 * Sqitch's registry (schema `sqitch` unless engine.pg.registry says
 * otherwise; Sqitch 1.3's pg.sql: releases, projects, changes, tags,
 * dependencies, events), read as Sqitch reads it: the deployed changes of
 * the project are `changes` rows ordered by committed_at (Sqitch's
 * deployed-changes order), each change's tags the `tags` rows pointing at
 * it. Sqitch writes the registry itself — dbrollback deploys and reverts
 * through `sqitch`, so `events` keeps its full account.
 */
import { quoteQualified, type Db } from '../../db/connection.js';

export interface DeployedChange {
  changeId: string;
  change: string;
  committedAt: Date;
  tags: string[];
}

/** Read-only: no registry (or no `changes` table) means nothing is deployed. */
export async function readDeployed(db: Db, registry: string, project: string): Promise<DeployedChange[]> {
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS ok', [quoteQualified(registry, 'changes'), quoteQualified(registry, 'tags')]);
  if (!exists[0]?.ok) return [];
  const { rows } = await db.query<{ change_id: string; change: string; committed_at: Date; tags: string[] }>(
    `SELECT c.change_id, c.change, c.committed_at,
            COALESCE(array_agg(t.tag ORDER BY t.committed_at) FILTER (WHERE t.tag IS NOT NULL), '{}') AS tags
       FROM ${quoteQualified(registry, 'changes')} c
       LEFT JOIN ${quoteQualified(registry, 'tags')} t ON t.change_id = c.change_id
      WHERE c.project = $1
      GROUP BY c.change_id, c.change, c.committed_at
      ORDER BY c.committed_at`,
    [project],
  );
  return rows.map((r) => ({ changeId: r.change_id, change: r.change, committedAt: r.committed_at, tags: r.tags }));
}
