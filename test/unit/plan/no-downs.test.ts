import { beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../../src/migrate/plan/decide.js';
import { touchedTables } from '../../../src/migrate/plan/touched-tables.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';

beforeAll(() => initParser());

const additive = { name: '0001_add-customer-phone', down: 'missing' as const, compatibility: 'additive' as const, dataLoss: 'none' as const };

describe('decide for a tool without downs', () => {
  it('keeps the schema for an additive migration: the old app runs on it, and a restore would discard every write since; the note says no down can take it back', () => {
    const d = decide([additive], { hasDowns: false, name: 'Drizzle' });
    expect(d.type).toBe('schema-stays');
    expect(d.reasons).toEqual([
      'every migration is additive: the previous application version keeps working on the current schema',
      'Drizzle has no down migrations: the way back past 0001_add-customer-phone is a restore',
    ]);
  });

  it('is a restore, said plainly once for the tool, for a breaking migration', () => {
    const d = decide([{ ...additive, name: '0004_rename', compatibility: 'breaking' }], { hasDowns: false, name: 'Drizzle' });
    expect(d.type).toBe('restore');
    expect(d.reasons).toEqual(['Drizzle has no down migrations: the way back past 0004_rename is a restore']);
  });

  it('keeps the data-loss reasons beside it', () => {
    const d = decide([{ ...additive, name: '0005_backfill', dataLoss: 'rewrite' }], { hasDowns: false, name: 'Prisma' });
    expect(d.type).toBe('restore');
    expect(d.reasons).toHaveLength(2);
    expect(d.reasons[1]).toContain('rewrote existing data');
  });

  it('a tool with downs still reads a missing down per migration', () => {
    expect(decide([additive])).toEqual({ type: 'schema-stays', reasons: ['every migration is additive: the previous application version keeps working on the current schema', '0001_add-customer-phone has no down migration'] });
    expect(decide([{ ...additive, compatibility: 'breaking' }])).toEqual({ type: 'restore', reasons: ['0001_add-customer-phone has no down migration'] });
  });

  it('a missing down says the tool\'s why when there is one (a Flyway repeatable: no U script can name it)', () => {
    const repeatable = { ...additive, name: 'R__owner_pet_counts', downNote: 'a repeatable migration: Flyway Teams undoes versioned migrations only', compatibility: 'breaking' as const };
    expect(decide([repeatable]).reasons).toEqual(['R__owner_pet_counts has no down migration (a repeatable migration: Flyway Teams undoes versioned migrations only)']);
  });

  it('an irreversible down of an additive migration keeps the schema too; beside a breaking one it is a restore', () => {
    const irreversible = { ...additive, down: 'irreversible' as const, downNote: 'its down throws' };
    expect(decide([irreversible]).type).toBe('schema-stays');
    expect(decide([{ ...irreversible, name: '0002_drop' , compatibility: 'breaking' }, irreversible])).toEqual({
      type: 'restore',
      reasons: ['0002_drop is irreversible: its down throws', '0001_add-customer-phone is irreversible: its down throws'],
    });
  });
});

describe('touchedTables', () => {
  const touched = (sql: string) => touchedTables(parseSql(sql).statements);

  it('names the tables DDL changes and data statements write, not the ones only referenced', () => {
    expect(touched('ALTER TABLE orders RENAME COLUMN note TO customer_note; UPDATE products SET sku = upper(sku); CREATE INDEX i ON orders (customer_id); DELETE FROM sessions;')).toEqual({
      existing: ['public.orders', 'public.products', 'public.sessions'],
      created: [],
      // Renamed and indexed: its definition changed; products and sessions only had rows written.
      reshaped: ['public.orders'],
      droppedColumns: [],
      droppedTables: [],
    });
  });

  it('keeps tables the migrations created apart (nothing to bring back), and drops and truncates as touched', () => {
    expect(touched('CREATE TABLE plans (id int); INSERT INTO plans VALUES (1); DROP TABLE legacy; TRUNCATE audit.log;')).toEqual({ existing: ['audit.log', 'public.legacy'], created: ['public.plans'], reshaped: ['public.legacy'], droppedColumns: [], droppedTables: ['public.legacy'] });
  });

  it('names the columns the migrations dropped and did not add back', () => {
    expect(touched('ALTER TABLE vehicles DROP COLUMN legacy_code, DROP COLUMN vin; ALTER TABLE vehicles ADD COLUMN vin text; ALTER TABLE drivers DROP COLUMN pager;')).toMatchObject({
      droppedColumns: [
        { table: 'public.drivers', column: 'pager' },
        { table: 'public.vehicles', column: 'legacy_code' },
      ],
      droppedTables: [],
    });
  });
});

describe('decide: a down that writes the system catalogs itself', () => {
  it('is a restore, naming the catalog write (DELETE FROM pg_enum leaves rows holding the value unreadable)', () => {
    const d = decide([{ name: '0007_add-status-value', down: 'yes', compatibility: 'additive', dataLoss: 'none', downWritesCatalog: ['DELETE FROM pg_catalog.pg_enum'] }]);
    expect(d.type).toBe('restore');
    expect(d.reasons[0]).toContain("0007_add-status-value's down writes the system catalog directly (DELETE FROM pg_catalog.pg_enum)");
    expect(d.reasons[0]).toContain('invalid internal value for enum');
  });
});
