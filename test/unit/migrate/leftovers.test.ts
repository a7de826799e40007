/**
 * What the downs leave behind, read from their SQL against the live schema
 * (src/migrate/round-trip/leftovers.ts): pure logic on parsed statements and
 * snapshot shapes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SchemaChange } from '../../../src/db/schema/diff.js';
import type { SchemaSnapshot } from '../../../src/db/schema/snapshot.js';
import { leftBehind } from '../../../src/migrate/round-trip/leftovers.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';

beforeAll(initParser);

const column = (type: string, dflt: string | null = null) => ({ type, notNull: false, default: dflt });
const live = {
  schemas: { public: {} },
  relations: {
    'public.orders': {
      kind: 'table',
      columns: { id: column('integer'), customer_id: column('integer'), remark: column('text') },
      constraints: { orders_customer_id_fkey: { type: 'foreign key', definition: 'FOREIGN KEY (customer_id) REFERENCES customers(id)', validated: true } },
      indexes: { orders_customer_idx: { definition: 'CREATE INDEX orders_customer_idx ON public.orders USING btree (customer_id)', valid: true, ready: true } },
      triggers: {},
      definition: null,
    },
    'public.notes': { kind: 'table', columns: { id: column('integer', "nextval('notes_id_seq'::regclass)") }, constraints: {}, indexes: {}, triggers: {}, definition: null },
    'public.notes_id_seq': { kind: 'sequence', columns: {}, constraints: {}, indexes: {}, triggers: {}, definition: null },
  },
  enums: {},
  domains: {},
  functions: {},
  extensions: { pgcrypto: '1.3', plpgsql: '1.0' },
} as unknown as SchemaSnapshot;

const added = (kind: SchemaChange['kind'], object: string): SchemaChange => ({ kind, object, change: 'added', detail: '' });
const left = (downSql: string, changes: SchemaChange[]) => leftBehind(parseSql(downSql).statements, live, changes)?.map((c) => `${c.kind} ${c.object}`) ?? null;

describe('leftBehind: what the downs do not drop of what was added since the record', () => {
  it('an extension the down does not drop is left; DROP EXTENSION covers it', () => {
    expect(left('DROP FUNCTION f(text)', [added('extension', 'pgcrypto')])).toEqual(['extension pgcrypto']);
    expect(left('DROP EXTENSION IF EXISTS pgcrypto', [added('extension', 'pgcrypto')])).toEqual([]);
  });

  it('a dropped column takes its foreign key and index with it; a dropped table its serial sequence', () => {
    const changes = [added('column', 'public.orders.customer_id'), added('constraint', 'public.orders.orders_customer_id_fkey'), added('index', 'public.orders.orders_customer_idx')];
    expect(left('ALTER TABLE orders DROP COLUMN customer_id', changes)).toEqual([]);
    expect(left('ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey', changes)).toEqual(['column public.orders.customer_id', 'index public.orders.orders_customer_idx']);
    expect(left('DROP TABLE notes', [added('table', 'public.notes'), added('sequence', 'public.notes_id_seq')])).toEqual([]);
  });

  it('a column renamed back is not left behind', () => {
    expect(left('ALTER TABLE orders RENAME COLUMN remark TO note', [added('column', 'public.orders.remark')])).toEqual([]);
  });

  it('a down whose effects its SQL does not show predicts nothing (a DO block, a function call, CASCADE)', () => {
    for (const sql of ["DO $$ BEGIN EXECUTE 'DROP EXTENSION pgcrypto'; END $$", 'SELECT drop_everything()', 'DROP TABLE orders CASCADE']) {
      expect(left(sql, [added('extension', 'pgcrypto')])).toBeNull();
    }
  });

  it('privileges are left to the verify gate', () => {
    expect(left('DROP TABLE notes', [added('grant', 'table public.orders')])).toEqual([]);
  });
});
