import { beforeAll, describe, expect, it } from 'vitest';
import { differenceKey, roundTripChanges, toDifference } from '../../../src/db/schema/round-trip.js';
import type { RelationSnapshot, SchemaSnapshot } from '../../../src/db/schema/snapshot.js';
import { findCreators } from '../../../src/migrate/round-trip/creators.js';
import { droppedFromRecord } from '../../../src/migrate/round-trip/drops.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';
import type { MigrationInfo, MigrationSql } from '../../../src/tools/contract.js';

const column = (position: number, type = 'text', dflt: string | null = null) => ({ position, type, typmod: -1, notNull: false, default: dflt, identity: null, generated: null, collation: null, acl: [] });
const index = (definition: string, relfilenode = 1) => ({ definition, valid: true, ready: true, unique: false, primary: false, relfilenode });

function events(extra: Partial<RelationSnapshot> = {}): RelationSnapshot {
  return {
    oid: 100, kind: 'table', persistence: 'p', relfilenode: 200, rowSecurity: false, forceRowSecurity: false, acl: [],
    columns: { id: column(1, 'integer'), kind: column(2), status: column(3, 'text', "'open'::text") },
    constraints: { events_pkey: { type: 'primary key', definition: 'PRIMARY KEY (id)', validated: true } },
    indexes: { events_pkey: index('CREATE UNIQUE INDEX events_pkey ON public.events USING btree (id)'), events_kind_idx: index('CREATE INDEX events_kind_idx ON public.events USING btree (kind)') },
    triggers: {},
    definition: null,
    ...extra,
  };
}

function schema(rel: RelationSnapshot, functions: SchemaSnapshot['functions'] = {}): SchemaSnapshot {
  return { serverVersion: 15, schemas: { public: { acl: [] } }, relations: { 'public.events': rel }, enums: { 'public.mood': ['ok'] }, domains: {}, functions, extensions: {} };
}

const stmts = (sql: string) => parseSql(sql).statements;

beforeAll(() => initParser());

describe('the schema round trip, compared by name', () => {
  it('does not count what a down and up may change in storage: oids, column positions, rewrites', () => {
    const before = schema(events());
    const after = schema(events({ oid: 999, relfilenode: 555, columns: { id: column(1, 'integer'), status: column(3, 'text', "'open'::text"), kind: column(7) }, indexes: { ...events().indexes, events_kind_idx: index('CREATE INDEX events_kind_idx ON public.events USING btree (kind)', 77) } }));
    expect(roundTripChanges(before, after)).toEqual([]);
  });

  it('counts a function body only when more than its white space changed', () => {
    const fn = (hash: string, shape: string) => ({ 'public.f()': { kind: 'function' as const, result: 'trigger', language: 'plpgsql', volatility: 'volatile' as const, bodyHash: hash, bodyShapeHash: shape, acl: [] } });
    expect(roundTripChanges(schema(events(), fn('a', 's')), schema(events(), fn('b', 's')))).toEqual([]);
    expect(roundTripChanges(schema(events(), fn('a', 's')), schema(events(), fn('b', 't'))).map((c) => c.detail)).toEqual(['body']);
  });

  it('names a dropped index, a default the down lost and a column it left, each with its migration', () => {
    const before = schema(events());
    const afterUp = schema(events({ columns: { ...events().columns, ip: column(4, 'inet') } }));
    const after = schema(events({ columns: { id: column(1, 'integer'), kind: column(2), status: column(3), region: column(4) }, indexes: { events_pkey: events().indexes.events_pkey! } }));
    const messages = roundTripChanges(before, after).map((c) => toDifference('041_reindex', c, c.kind === 'index' ? '011_create-events' : null, afterUp).message).sort();
    expect(messages).toEqual([
      "after the down of 041_reindex, column public.events.status differs from before it: default 'open'::text → none",
      'down of 041_reindex drops index events_kind_idx on public.events, which 011_create-events created',
      'down of 041_reindex leaves column public.events.region, which did not exist before 041_reindex',
    ]);
  });

  it('tells an up that removed something the down does not bring back from a down that drops it', () => {
    const before = schema(events());
    const afterUp = schema(events({ indexes: { events_pkey: events().indexes.events_pkey! } }));
    const [change] = roundTripChanges(before, afterUp);
    const d = toDifference('005_drop-kind-index', change!, null, afterUp);
    expect(d.effect).toBe('not-restored');
    expect(d.message).toBe('up of 005_drop-kind-index drops index events_kind_idx on public.events and its down does not bring it back');
    // The same object drops either way for what verify matches against an acceptance.
    expect(differenceKey(d)).toBe(differenceKey(toDifference('005_drop-kind-index', change!, null)));
  });
});

describe('the recorded path: what a down drops, against the record', () => {
  const record = schema(events());

  it('finds objects that existed before the migration, and none it created or drops only to create again', () => {
    const down = stmts(`
      DROP INDEX IF EXISTS events_kind_idx;
      DROP INDEX IF EXISTS events_ip_idx;
      ALTER TABLE events DROP COLUMN ip, DROP COLUMN status;
      DROP INDEX events_pkey; CREATE UNIQUE INDEX events_pkey ON events (id);
      DROP TYPE mood;
    `);
    expect(droppedFromRecord(down, record)).toEqual([
      { kind: 'index', object: 'public.events.events_kind_idx' },
      { kind: 'column', object: 'public.events.status' },
      { kind: 'enum', object: 'public.mood' },
    ]);
  });

  it('finds a whole table dropped, and nothing for a down that only removes what its up added', () => {
    expect(droppedFromRecord(stmts('DROP TABLE events'), record)).toEqual([{ kind: 'table', object: 'public.events' }]);
    expect(droppedFromRecord(stmts('ALTER TABLE events DROP COLUMN region; DROP INDEX events_region_idx'), record)).toEqual([]);
  });
});

describe('which earlier migration created an object', () => {
  it('is the first up whose SQL creates it', async () => {
    const ups: Record<string, string> = {
      '001_create': 'CREATE TABLE events (id int, kind text); CREATE INDEX events_kind_idx ON events (kind);',
      '002_status': "ALTER TABLE events ADD COLUMN status text DEFAULT 'open';",
      '003_again': 'CREATE INDEX IF NOT EXISTS events_kind_idx ON events (kind);',
    };
    const adapter = { sqlOf: async (name: string): Promise<MigrationSql> => ({ name, direction: 'up', sql: ups[name]!, source: 'file', path: null, note: null }) };
    const earlier = Object.keys(ups).map((name) => ({ name }) as MigrationInfo);
    const found = await findCreators(adapter, earlier, [
      { kind: 'index', object: 'public.events.events_kind_idx' },
      { kind: 'column', object: 'public.events.status' },
      { kind: 'table', object: 'public.events' },
      { kind: 'constraint', object: 'public.events.events_status_check' },
    ]);
    expect(Object.fromEntries(found)).toEqual({ 'index:public.events.events_kind_idx': '001_create', 'column:public.events.status': '002_status', 'table:public.events': '001_create' });
  });
});

describe('the recorded path: column properties a down resets', () => {
  it('names a default dropped where the record had one, and ignores columns the up added or the down drops', async () => {
    const { resetFromRecord } = await import('../../../src/migrate/round-trip/drops.js');
    const record = schema(events());
    expect(resetFromRecord(stmts('ALTER TABLE tasks ALTER COLUMN status DROP DEFAULT; ALTER TABLE events ALTER COLUMN status DROP DEFAULT, ALTER COLUMN kind SET NOT NULL'), record)).toEqual([
      { kind: 'column', object: 'public.events.status', change: 'altered', detail: 'default', before: "'open'::text", after: null },
      { kind: 'column', object: 'public.events.kind', change: 'altered', detail: 'notNull', before: false, after: true },
    ]);
    expect(resetFromRecord(stmts("ALTER TABLE events ALTER COLUMN status DROP DEFAULT; ALTER TABLE events ALTER COLUMN status SET DEFAULT 'open'"), record)).toEqual([]);
    expect(resetFromRecord(stmts('ALTER TABLE events ALTER COLUMN region DROP DEFAULT; ALTER TABLE events ALTER COLUMN status DROP DEFAULT, DROP COLUMN status'), record)).toEqual([]);
  });
});
