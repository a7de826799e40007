/**
 * Whether a point-in-time restore reaches the moment before a migration
 * (src/backup/pitr/point-reach.ts), as plan and restore --before-migration
 * both ask it: the cases the storage answers without a base backup in it.
 * A base backup that ended after the point is covered against a real
 * archiving cluster (test/e2e/plan/restore-routes.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { pointReach } from '../../../src/backup/pitr/point-reach.js';
import type { RestorePointRecord } from '../../../src/backup/restore-points.js';
import { memoryStorage } from '../../../src/storage/memory.js';

const point = (walSwitched: boolean): RestorePointRecord => ({ version: 1, name: 'dbrollback:before:002_drop', migration: '002_drop', lsn: '0/3000060', time: '2026-12-07T12:00:00.000Z', timeline: 1, walFile: '000000010000000000000003', walSwitched, database: 'app', runId: 'r1' });

describe('pointReach', () => {
  it('a restore point made while the server was not archiving WAL cannot be reached, whatever the base backups', async () => {
    expect(await pointReach(memoryStorage('reach-1'), '002_drop', point(false))).toEqual({ reaches: false, why: 'the restore point migrate made before 002_drop (0/3000060) was made while the server was not archiving WAL' });
  });

  it('without a base backup in the storage nothing is reached, with or without a recorded point', async () => {
    const none = { reaches: false, why: 'the storage holds no base backup to start one from' };
    expect(await pointReach(memoryStorage('reach-2'), '002_drop', point(true))).toEqual(none);
    expect(await pointReach(memoryStorage('reach-3'), '002_drop', null)).toEqual(none);
  });
});
