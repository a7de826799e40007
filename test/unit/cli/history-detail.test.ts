import { describe, expect, it } from 'vitest';
import type { AuditRecord, HistoryEntry } from '../../../src/index.js';
import { renderHistory } from '../../../src/cli/render/history.js';

const run = (fields: Partial<AuditRecord>): HistoryEntry => ({
  key: `audit/${fields.id ?? 'x'}.json`,
  problem: null,
  record: { version: 1, id: 'x', startedAt: '2026-12-07T23:43:34.934Z', finishedAt: '2026-12-07T23:43:35.934Z', who: { osUser: 'oncall', host: 'box' }, commandLine: [], database: 'postgres@db/shop', outcome: 'success', backupId: null, error: null, plan: null, steps: [], verify: null, ...fields } as AuditRecord,
});

describe('history detail', () => {
  it('says where a migrate took the head and what a table restore put where (was: blank)', () => {
    const text = renderHistory(
      [
        run({ command: 'migrate', extra: { headBefore: null, headAfter: '003_add-phone' } }),
        run({ command: 'restore', extra: { mode: 'tables', replaced: false, schema: 'dbrollback_recovered_1', tables: [{ table: 'public.accounts' }] } }),
        run({ command: 'restore', extra: { mode: 'partial-backup', replaced: true, aside: 'dbrollback_replaced_2', tables: [{ table: 'public.invoices' }, { table: 'public."Member"' }] } }),
      ],
      [],
    );
    expect(text).toContain('head (none) → 003_add-phone');
    expect(text).toContain('public.accounts into schema dbrollback_recovered_1');
    expect(text).toContain('public.invoices, public."Member" swapped in place; the live ones kept in dbrollback_replaced_2');
  });
});
