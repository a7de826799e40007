import { describe, expect, it } from 'vitest';
import { isProgressLine, RestoreProgress, type ProgressEvent } from '../../../src/backup/restore/progress-lines.js';

const feed = (progress: RestoreProgress, lines: string[]): ProgressEvent[] => lines.flatMap((l) => progress.line(l));
const loaded = (events: ProgressEvent[]) => events.filter((e) => e.kind === 'data-loaded').map((e) => (e.kind === 'data-loaded' ? e.table : null));
const distrusted = (events: ProgressEvent[]) => events.some((e) => e.kind === 'distrust');

// Lines as PostgreSQL 15's pg_restore --verbose prints them (captured from real runs).
const SINGLE = [
  'pg_restore: connecting to database for restore',
  'pg_restore: creating SCHEMA "we.ird"',
  'pg_restore: creating TABLE "public.pgbench_accounts"',
  'pg_restore: creating TABLE "we.ird.x y"',
  'pg_restore: creating DEFAULT "other.pgbench_branches x"',
  'pg_restore: executing BLOB 16474',
  'pg_restore: executing COMMENT LARGE OBJECT 16999',
  'pg_restore: processing data for table "public.pgbench_accounts"',
  'pg_restore: processing data for table "we.ird.x y"',
  'pg_restore: executing SEQUENCE SET pgbench_branches_x_seq',
  'pg_restore: creating CONSTRAINT "public.pgbench_accounts pgbench_accounts_pkey"',
  'pg_restore: creating FK CONSTRAINT "public.pgbench_history pgbench_history_aid_fkey"',
  'pg_restore: creating ACL "public.TABLE mv"',
  'pg_restore: processing BLOBS',
  'pg_restore: restoring large object with OID 16474',
  'pg_restore: restored 1 large object',
];

describe('single-job pg_restore progress', () => {
  it("reports a table's data as loaded when pg_restore announces the next item, never before", () => {
    const progress = new RestoreProgress({ parallel: false });
    const upTo = (line: string) => SINGLE.slice(0, SINGLE.indexOf(line) + 1);
    expect(loaded(feed(progress, upTo('pg_restore: processing data for table "public.pgbench_accounts"')))).toEqual([]);
    expect(progress.line('pg_restore: processing data for table "we.ird.x y"')).toEqual([{ kind: 'data-loaded', table: { qualified: 'public.pgbench_accounts' } }]);
    expect(progress.line('pg_restore: executing SEQUENCE SET pgbench_branches_x_seq')).toEqual([{ kind: 'data-loaded', table: { qualified: 'we.ird.x y' } }]);
    expect(feed(progress, SINGLE.slice(SINGLE.indexOf('pg_restore: executing SEQUENCE SET pgbench_branches_x_seq') + 1))).toEqual([]);
  });

  it('a line it does not recognise (a notice, a warning) distrusts every early fingerprint, once', () => {
    const progress = new RestoreProgress({ parallel: false });
    const events = feed(progress, [
      'pg_restore: processing data for table "public.a"',
      'pg_restore: processing data for table "public.b"',
      'pg_restore: warning: something unexpected',
      'pg_restore: processing data for table "public.c"',
      'pg_restore: creating INDEX "public.c_idx"',
    ]);
    expect(loaded(events)).toEqual([{ qualified: 'public.a' }]);
    expect(events.filter((e) => e.kind === 'distrust')).toHaveLength(1);
  });

  it('items that run user code able to write (matview refresh, event trigger) distrust early fingerprints', () => {
    for (const line of ['pg_restore: creating MATERIALIZED VIEW DATA "public.mv"', 'pg_restore: creating EVENT TRIGGER "log_ddl"', 'pg_restore: creating SOMETHING NEW "public.x"']) {
      const progress = new RestoreProgress({ parallel: false });
      expect(distrusted(feed(progress, ['pg_restore: processing data for table "public.a"', 'pg_restore: creating INDEX "public.a_idx"', line]))).toBe(true);
    }
  });

  it('table data loaded after a trigger was created distrusts (the trigger could write elsewhere)', () => {
    const progress = new RestoreProgress({ parallel: false });
    const events = feed(progress, ['pg_restore: creating TRIGGER "public.a t"', 'pg_restore: processing data for table "public.b"', 'pg_restore: creating INDEX "public.b_idx"']);
    expect(distrusted(events)).toBe(true);
    expect(loaded(events)).toEqual([]);
  });

  it("accepts the binary's own program name as prefix, and nothing else", () => {
    const progress = new RestoreProgress({ parallel: false, programs: ['pg_restore15', 'pg_restore'] });
    expect(feed(progress, ['pg_restore15: processing data for table "public.a"', 'pg_restore15: creating INDEX "public.a_idx"'])).toEqual([
      { kind: 'data-loaded', table: { qualified: 'public.a' } },
    ]);
    expect(distrusted(new RestoreProgress({ parallel: false }).line('pg_restore15: creating INDEX "public.a_idx"'))).toBe(true);
  });
});

describe('parallel pg_restore progress', () => {
  it('only the leader\'s "finished item ... TABLE DATA" marks a table loaded (by its bare name)', () => {
    const progress = new RestoreProgress({ parallel: true });
    const events = feed(progress, [
      'pg_restore: processing item 216 TABLE pgbench_accounts',
      'pg_restore: creating TABLE "public.pgbench_accounts"',
      'pg_restore: entering main parallel loop',
      'pg_restore: launching item 3407 TABLE DATA pgbench_accounts',
      'pg_restore: launching item 3406 TABLE DATA x y',
      'pg_restore: processing data for table "public.pgbench_accounts"',
      'pg_restore: processing data for table "we.ird.x y"',
      'pg_restore: finished item 3406 TABLE DATA x y',
      'pg_restore: launching item 3245 CONSTRAINT x y x_pkey',
      'pg_restore: pg_restore: creating CONSTRAINT "we.ird.x y x_pkey"',
      'pg_restore: finished item 3245 CONSTRAINT x y x_pkey',
      'pg_restore: finished item 3407 TABLE DATA pgbench_accounts',
      'pg_restore: finished main parallel loop',
    ]);
    expect(distrusted(events)).toBe(false);
    expect(loaded(events)).toEqual([{ tag: 'x y' }, { tag: 'pgbench_accounts' }]);
  });

  it('a trigger launched while table data is still loading distrusts; after all data finished it does not', () => {
    const busy = new RestoreProgress({ parallel: true });
    expect(distrusted(feed(busy, ['pg_restore: launching item 10 TABLE DATA a', 'pg_restore: launching item 11 TRIGGER b t']))).toBe(true);
    const idle = new RestoreProgress({ parallel: true });
    expect(distrusted(feed(idle, ['pg_restore: launching item 10 TABLE DATA a', 'pg_restore: finished item 10 TABLE DATA a', 'pg_restore: launching item 11 TRIGGER b t']))).toBe(false);
    expect(distrusted(idle.line('pg_restore: launching item 12 TABLE DATA c'))).toBe(true);
  });

  it('a message that lost its prefix to an interleaved write is not trusted', () => {
    const progress = new RestoreProgress({ parallel: true });
    expect(distrusted(feed(progress, ['pg_restore: launching item 10 TABLE DATA a', 'finished item 10 TABLE DATA a']))).toBe(true);
  });
});

describe('which stderr lines are progress', () => {
  it("keeps pg_restore's errors out of the progress lines", () => {
    expect(isProgressLine('pg_restore: creating TABLE "public.t"')).toBe(true);
    expect(isProgressLine('pg_restore: error: could not execute query: ERROR:  role "ghost" does not exist')).toBe(false);
    expect(isProgressLine('Command was: ALTER TABLE public.t OWNER TO ghost;')).toBe(false);
    expect(isProgressLine('pg_restore: from TOC entry 214; 1259 16386 TABLE t ghost')).toBe(false);
  });
});
