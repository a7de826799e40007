/**
 * Sqitch: a plan (sqitch.plan) of changes with deploy, revert and verify
 * scripts, deployed, reverted and verified by the real `sqitch`; history in
 * its registry schema (sqitch.changes, tags, events, …); its verify scripts
 * join the verify gate.
 */
import type { MigrationTool } from '../tool.js';
import { detectSqitch } from './detect.js';
import { headOf } from './head.js';
import { createSqitchAdapter, SQITCH_LOCK } from './run.js';
import { SQITCH_SQL_READER } from './sql-file.js';

export const sqitch: MigrationTool<'sqitch'> = {
  kind: 'sqitch',
  displayName: 'Sqitch',
  needsMigrationsDir: true,
  hasDowns: true,
  locks: [SQITCH_LOCK],
  detect: detectSqitch,
  historyTables: (settings) => [{ schema: settings.migrationsSchema ?? 'sqitch', table: 'changes', columns: ['change_id', 'script_hash', 'change', 'project', 'committed_at'] }],
  readHead: headOf,
  open: createSqitchAdapter,
  sqlFiles: SQITCH_SQL_READER,
};
