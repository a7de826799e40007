/**
 * status's words for a tool without downs (Drizzle, Prisma): the restore it names follows where the way back is
 * — the WAL archive where migrate's restore points were archived, the logical backups where they were not.
 */
import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../src/cli/render/status.js';
import type { StatusReport } from '../../../src/migrate/status.js';
import type { RestorePointRecord } from '../../../src/backup/restore-points.js';

function report(walSwitched: boolean): StatusReport {
  const m = { name: '0001_busy', path: null, applied: true, appliedAt: null, down: 'missing' as const };
  const point = { version: 1, name: 'dbrollback:before:0001_busy', migration: '0001_busy', lsn: '0/68FDBA8', time: '2026-12-07T12:00:00.000Z', timeline: 1, walFile: '000000010000000000000006', walSwitched, database: 'app', runId: 'r' } as RestorePointRecord;
  return {
    migrator: 'drizzle',
    migrations: [m],
    applied: [m],
    pending: [],
    head: '0001_busy',
    missingDefinitions: [],
    lockHolder: null,
    database: 'app',
    dbrollbackLockHolder: null,
    unfinishedRuns: [],
    restorePoints: new Map([['0001_busy', point]]),
    restorePointsProblem: null,
    toolHasDowns: false,
    toolName: 'Drizzle',
  } as unknown as StatusReport;
}

describe('status for a tool without down migrations', () => {
  it('names the WAL archive where the restore points were archived, the logical backups where they were not', () => {
    expect(renderStatus(report(true))).toContain('Drizzle has no down migrations: the way back past a migration is a restore (dbrollback restore --before-migration NAME --data-dir DIR, or only some tables');
    const unarchived = renderStatus(report(false));
    expect(unarchived).toContain('restore points not archived');
    expect(unarchived).toContain('Drizzle has no down migrations: the way back past a migration is a restore (dbrollback restore --before-migration NAME --backup auto, or only some tables');
  });
});
