import { describe, expect, it } from 'vitest';
import { renderEvent } from '../../../src/cli/progress.js';
import { etaSeconds } from '../../../src/progress.js';

describe('progress rendering', () => {
  it('a dump shows table data read against the tables sizes, with rate, ETA and the table being copied', () => {
    const { line, final } = renderEvent({ kind: 'tables', phase: 'dump', unit: 'bytes', done: 120 * 1024 ** 2, total: 480 * 1024 ** 2, tablesDone: 3, tablesTotal: 12, current: ['public.orders'], elapsedMs: 4000, rate: 30 * 1024 ** 2, etaSeconds: 12, finished: false });
    expect(line).toBe('dump: 120.0 MiB of 480.0 MiB table data (25%), 3 of 12 tables, 30.0 MiB/s, ETA 12 s, now public.orders');
    expect(final).toBe(false);
  });

  it('a restore shows rows loaded against the rows the backup holds; the last event says done', () => {
    const { line, final } = renderEvent({ kind: 'tables', phase: 'restore', unit: 'rows', done: 3_000_000, total: 3_000_000, tablesDone: 4, tablesTotal: 4, current: [], elapsedMs: 10_000, rate: 300_000, etaSeconds: 0, finished: true });
    expect(line).toBe('restore: 3.0 M of 3.0 M rows (100%), 4 of 4 tables, 300 k rows/s — done');
    expect(final).toBe(true);
  });

  it('an index build names the index, its table and PostgreSQL phase', () => {
    expect(renderEvent({ kind: 'index', table: 'public.accounts', index: 'accounts_pkey', phase: 'building index: scanning table', blocksDone: 50, blocksTotal: 200 }).line).toBe('index accounts_pkey on public.accounts: building index: scanning table (25%)');
  });

  it('a transfer of unknown total says what was stored, never a made-up percentage', () => {
    expect(renderEvent({ kind: 'transfer', phase: 'upload', bytes: 2048, totalBytes: null, elapsedMs: 1000, bytesPerSecond: 2048, etaSeconds: null, done: false }).line).toBe('upload: 2.0 KiB stored at 2.0 KiB/s');
  });

  it('estimates the time left from the average rate', () => {
    expect(etaSeconds(25, 100, 1000)).toBe(3);
    expect(etaSeconds(0, 100, 1000)).toBeNull();
    expect(etaSeconds(10, null, 1000)).toBeNull();
    expect(etaSeconds(100, 100, 1000)).toBe(0);
  });
});
