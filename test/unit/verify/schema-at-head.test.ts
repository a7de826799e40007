import { beforeAll, describe, expect, it } from 'vitest';
import type { RelationSnapshot, SchemaSnapshot } from '../../../src/db/schema/snapshot.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';
import { compareWithHeadRecord, nameMissing, recreateStatement, tablesOf } from '../../../src/verify/schema-at-head.js';

const column = (position: number, type = 'text', dflt: string | null = null) => ({ position, type, typmod: -1, notNull: false, default: dflt, identity: null, generated: null, collation: null, acl: [] });
const index = (definition: string) => ({ definition, valid: true, ready: true, unique: false, primary: false, relfilenode: 1 });

function events(extra: Partial<RelationSnapshot> = {}): RelationSnapshot {
  return {
    oid: 100, kind: 'table', persistence: 'p', relfilenode: 200, rowSecurity: false, forceRowSecurity: false, acl: ['app=arwd/owner'],
    columns: { id: column(1, 'integer'), kind: column(2), status: column(3, 'text', "'open'::text") },
    constraints: {
      events_pkey: { type: 'primary key', definition: 'PRIMARY KEY (id)', validated: true },
      'Kind Check': { type: 'check', definition: "CHECK ((kind <> ''::text))", validated: true },
    },
    indexes: { events_pkey: { ...index('CREATE UNIQUE INDEX events_pkey ON public.events USING btree (id)'), primary: true }, events_kind_idx: index('CREATE INDEX events_kind_idx ON public.events USING btree (kind)') },
    triggers: {},
    definition: null,
    ...extra,
  };
}

function schema(rel: RelationSnapshot, enums: SchemaSnapshot['enums'] = { 'public.mood': ['ok', 'sad'] }): SchemaSnapshot {
  return { serverVersion: 15, schemas: { public: { acl: [] } }, relations: { 'public.events': rel }, enums, domains: {}, functions: {}, extensions: {} };
}

const none = async () => ({ later: [], staying: [] });

beforeAll(() => initParser());

describe('the live schema against the record at the head', () => {
  it('equal: nothing found, and the later ups are not read', async () => {
    let read = false;
    const found = await compareWithHeadRecord(schema(events()), schema(events({ oid: 7, relfilenode: 9 })), async () => ((read = true), { later: [], staying: [] }));
    expect(found).toEqual({ missing: [], differs: [], leftBehind: [], extra: [], kept: [] });
    expect(read).toBe(false);
  });

  it('what the record holds and the database lacks is missing; an object other than recorded differs', async () => {
    const { events_kind_idx: _, ...indexes } = events().indexes;
    const live = schema(events({ indexes, columns: { id: column(1, 'integer'), kind: column(2), status: column(3) } }), { 'public.mood': ['ok'] });
    const found = await compareWithHeadRecord(schema(events()), live, none);
    expect(found.missing.map(nameMissing)).toEqual(['index events_kind_idx on public.events']);
    expect(found.differs.map((c) => `${c.kind} ${c.object} ${c.detail}`).sort()).toEqual(['column public.events.status default', 'enum public.mood values removed: sad']);
  });

  it('beyond the record: additive changes are extra, unless the up of a migration after the head creates them (left behind)', async () => {
    const live = schema(
      events({ acl: ['app=arwd/owner', 'reporting=r/owner'], columns: { ...events().columns, region: column(4), note: column(5) }, indexes: { ...events().indexes, hotfix_idx: index('CREATE INDEX hotfix_idx ON public.events USING btree (status)') } }),
      { 'public.mood': ['ok', 'sad', 'meh'] },
    );
    const found = await compareWithHeadRecord(schema(events()), live, async () => ({ later: [{ name: '002_add-region', statements: parseSql('ALTER TABLE events ADD COLUMN region text').statements }], staying: [] }));
    expect(found.missing).toEqual([]);
    expect(found.differs).toEqual([]);
    expect(found.leftBehind.map((l) => `${l.change.object} by ${l.by}`)).toEqual(['public.events.region by 002_add-region']);
    expect(found.extra.map((c) => `${c.kind} ${c.object}`).sort()).toEqual(['column public.events.note', 'enum public.mood', 'grant public.events', 'index public.events.hotfix_idx']);
  });

  it('what a migration that stays applied (a Flyway repeatable) made since is kept: a view re-created with other columns; the view gone is still missing', async () => {
    const view = (columns: RelationSnapshot['columns'], definition: string): RelationSnapshot => ({ ...events(), oid: 300, kind: 'view', relfilenode: 0, acl: [], columns, constraints: {}, indexes: {}, definition });
    const record = { ...schema(events()), relations: { 'public.events': events(), 'public.counts': view({ kind: column(1), n: column(2, 'bigint') }, ' SELECT kind, count(*) AS n FROM events GROUP BY kind;') } };
    const repeatable = { later: [], staying: [{ name: 'R__counts', statements: parseSql('CREATE OR REPLACE VIEW counts AS SELECT kind, status, count(*) AS n FROM events GROUP BY kind, status').statements }] };
    const changed = { ...record, relations: { ...record.relations, 'public.counts': view({ kind: column(1), status: column(2), n: column(3, 'bigint') }, ' SELECT kind, status, count(*) AS n FROM events GROUP BY kind, status;') } };
    const found = await compareWithHeadRecord(record, changed, async () => repeatable);
    expect(found.missing).toEqual([]);
    expect(found.differs).toEqual([]);
    expect(found.kept.map((k) => `${k.change.kind} ${k.change.object} ${k.change.change} by ${k.by}`).sort()).toEqual(['column public.counts.status added by R__counts', 'view public.counts altered by R__counts']);
    const gone = await compareWithHeadRecord(record, schema(events()), async () => repeatable);
    expect(gone.missing.map(nameMissing)).toEqual(['view public.counts']);
  });

  it('privileges revoked are not extra: they differ', async () => {
    const found = await compareWithHeadRecord(schema(events()), schema(events({ acl: [] })), none);
    expect(found.differs.map((c) => c.kind)).toEqual(['grant']);
  });

  it('gives the recorded definitions of missing indexes and constraints as statements, and the tables whose data a restore brings back', () => {
    const record = schema(events());
    expect(recreateStatement(record, { kind: 'index', object: 'public.events.events_kind_idx', change: 'removed', detail: '' })).toBe('CREATE INDEX events_kind_idx ON public.events USING btree (kind);');
    expect(recreateStatement(record, { kind: 'constraint', object: 'public.events.Kind Check', change: 'removed', detail: '' })).toBe(`ALTER TABLE "public"."events" ADD CONSTRAINT "Kind Check" CHECK ((kind <> ''::text));`);
    // A primary key's index comes back with its constraint.
    expect(recreateStatement(record, { kind: 'index', object: 'public.events.events_pkey', change: 'removed', detail: '' })).toBeNull();
    expect(tablesOf([
      { kind: 'column', object: 'public.events.status', change: 'removed', detail: 'text' },
      { kind: 'table', object: 'public.audit', change: 'removed', detail: 'table' },
      { kind: 'index', object: 'public.events.events_kind_idx', change: 'removed', detail: '' },
    ])).toEqual(['public.audit', 'public.events']);
  });
});
