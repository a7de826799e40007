import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderEvent } from '../../../src/cli/progress.js';
import { etaSeconds, transferMeter, type ProgressEvent } from '../../../src/progress.js';

describe('transferMeter', () => {
  afterEach(() => vi.useRealTimers());

  it('a transfer that stops moving is reported as stalled, with no rate and no ETA, until bytes flow again', () => {
    vi.useFakeTimers();
    const events: ProgressEvent[] = [];
    const meter = transferMeter('upload', 100 * 1024 ** 2, (e) => events.push(e), { watchStalls: true });
    // 4 KiB in the first half second: the average would promise an ETA of hours; then nothing moves.
    vi.advanceTimersByTime(500);
    meter.update(4096);
    vi.advanceTimersByTime(10_000);
    const stalled = events.at(-1) as Extract<ProgressEvent, { kind: 'transfer' }>;
    expect(stalled.stalledMs).toBe(9_500);
    expect(stalled.etaSeconds).toBeNull();
    expect(renderEvent(stalled).line).toBe('upload: 4.0 KiB of 100.0 MiB (0%), no bytes for 10 s');
    // Bytes flow again: the rate is the recent one, and the stall is over.
    meter.update(20 * 1024 ** 2);
    const moving = events.at(-1) as Extract<ProgressEvent, { kind: 'transfer' }>;
    expect(moving.stalledMs).toBeUndefined();
    expect(moving.etaSeconds).not.toBeNull();
    meter.finish(100 * 1024 ** 2);
    const count = events.length;
    vi.advanceTimersByTime(30_000);
    expect(events.length).toBe(count);
  });

  it('an estimated total the bytes outgrow is dropped: "38.0 MiB read", never "38.0 MiB of 29.5 MiB (100%)" (a base backup\'s size is an estimate; its bytes are the tar read from the server, not the gzip stored)', () => {
    vi.useFakeTimers();
    const events: Array<Extract<ProgressEvent, { kind: 'transfer' }>> = [];
    const meter = transferMeter('upload', 29.5 * 1024 ** 2, (e) => e.kind === 'transfer' && events.push(e), { intervalMs: 0, totalIsEstimate: true, counts: 'read' });
    vi.advanceTimersByTime(1000);
    meter.update(10 * 1024 ** 2);
    expect(renderEvent(events.at(-1)!).line).toMatch(/^upload: 10\.0 MiB of 29\.5 MiB \(33%\)/);
    vi.advanceTimersByTime(1000);
    meter.update(38 * 1024 ** 2);
    expect(events.at(-1)!.totalBytes).toBeNull();
    expect(events.at(-1)!.etaSeconds).toBeNull();
    expect(renderEvent(events.at(-1)!).line).toMatch(/^upload: 38\.0 MiB read at [\d.]+ MiB\/s$/);
    meter.finish(38 * 1024 ** 2);
    expect(renderEvent(events.at(-1)!).line).toMatch(/^upload: 38\.0 MiB read at .* — done$/);
    // An exact size (a download of a stored object) keeps its total.
    const exact: Array<Extract<ProgressEvent, { kind: 'transfer' }>> = [];
    transferMeter('download', 100, (e) => e.kind === 'transfer' && exact.push(e), { intervalMs: 0 }).finish(100);
    expect(exact.at(-1)!.totalBytes).toBe(100);
  });
});

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
