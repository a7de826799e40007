/**
 * `dbrollback history` lists runs newest first. Run ids carry the second
 * and a random suffix, so two runs started in one second sort by chance on
 * their ids: the start time (milliseconds) decides.
 */
import { describe, expect, it } from 'vitest';
import { listHistory, writeAuditRecord, type AuditRecord } from '../../../src/audit/audit-trail.js';
import { memoryStorage } from '../../../src/storage/memory.js';

const record = (id: string, startedAt: string): AuditRecord => ({
  version: 1,
  id,
  command: 'undo',
  startedAt,
  finishedAt: startedAt,
  who: { osUser: 'oncall', host: 'h', pid: 1 },
  commandLine: [],
  database: 'app@127.0.0.1:5432/app',
  outcome: 'refused',
  plan: null,
  backupId: null,
  steps: [],
  verify: null,
  error: null,
});

describe('listHistory', () => {
  it('orders two runs of one second by their start time, newest first, whatever their random suffixes', async () => {
    const storage = memoryStorage();
    await writeAuditRecord(storage, record('20261206T214615Z-ffffff', '2026-12-06T21:46:15.214Z'));
    await writeAuditRecord(storage, record('20261206T214615Z-000000', '2026-12-06T21:46:15.475Z'));
    await writeAuditRecord(storage, record('20261206T214609Z-cb3653', '2026-12-06T21:46:09.068Z'));
    const ids = (await listHistory(storage)).map((e) => e.record?.id);
    expect(ids).toEqual(['20261206T214615Z-000000', '20261206T214615Z-ffffff', '20261206T214609Z-cb3653']);
  });
});
