/**
 * One rule for the migration a typed name means (src/tools/named-migration.ts),
 * pinned here and through each command that takes one: undo/plan --to
 * (select.ts), migrate --to (select-pending.ts) and restore
 * --before-migration (resolve-target.ts). A name, a file name or a tag;
 * a name wins over a tag; no prefix matching; an unknown name is an error
 * that points at `dbrollback status`. Pure logic (the storage is the
 * in-memory test driver, holding nothing).
 */
import { describe, expect, it } from 'vitest';
import { findNamedMigration } from '../../../src/tools/named-migration.js';
import { selectForDown } from '../../../src/tools/select.js';
import { selectPending } from '../../../src/migrate/migrate/select-pending.js';
import { resolveBeforeMigration } from '../../../src/migrate/before-migration/resolve-target.js';
import { memoryStorage } from '../../../src/storage/memory.js';
import type { MigrationInfo, MigrationStatus } from '../../../src/tools/contract.js';
import { DbrollbackError } from '../../../src/errors.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const m = (name: string, applied: boolean, extra: Partial<MigrationInfo> = {}): MigrationInfo => ({ name, path: `/project/db/${name}.up.sql`, applied, appliedAt: applied ? at(Number.parseInt(name, 10)) : null, down: 'yes', ...extra });

const applied = [m('001_schema', true, { tags: ['1', 'release'] }), m('002_orders', true, { tags: ['2', 'release'] }), m('003_index', true, { tags: ['3', '005_drop'] })];
// `002_orders` is also a tag of a pending migration, `005_drop` one of an applied migration: a migration of that name wins.
const pending = [m('004_rename', false, { tags: ['4', 'next', '002_orders'] }), m('005_drop', false, { tags: ['5', 'next'] })];
const status: MigrationStatus = { migrator: 'golang-migrate', migrations: [...applied, ...pending], applied, pending, head: '003_index', missingDefinitions: [], lockHolder: null };
const sides = { applied, pending };

function thrown(fn: () => unknown): DbrollbackError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DbrollbackError) return err;
    throw err;
  }
  throw new Error('expected a DbrollbackError');
}

async function rejected(p: Promise<unknown>): Promise<DbrollbackError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DbrollbackError) return err;
    throw err;
  }
  throw new Error('expected a DbrollbackError');
}

describe('findNamedMigration: the rule', () => {
  const found = (given: string, prefer: 'applied' | 'pending') => {
    const f = findNamedMigration(given, sides, prefer);
    return f && { name: f.migration.name, applied: f.applied, as: f.name };
  };

  it('an exact name, on either side, whichever side is preferred', () => {
    expect(found('002_orders', 'applied')).toEqual({ name: '002_orders', applied: true, as: '002_orders' });
    expect(found('002_orders', 'pending')).toEqual({ name: '002_orders', applied: true, as: '002_orders' });
    expect(found('005_drop', 'applied')).toEqual({ name: '005_drop', applied: false, as: '005_drop' });
  });

  it('a file name, with or without its folder, its down file included, names its migration', () => {
    for (const file of ['003_index.up.sql', '003_index.down.sql', '/project/db/003_index.up.sql']) expect(found(file, 'pending')).toEqual({ name: '003_index', applied: true, as: '003_index' });
  });

  it('a tag: the latest applied migration carrying it, else the first pending one, on the preferred side first', () => {
    expect(found('release', 'applied')).toMatchObject({ name: '002_orders', applied: true });
    expect(found('next', 'pending')).toMatchObject({ name: '004_rename', applied: false });
    expect(found('3', 'pending')).toMatchObject({ name: '003_index', applied: true, as: '3' });
  });

  it('a name wins over a tag of another migration, on the other side too', () => {
    expect(found('002_orders', 'pending')).toMatchObject({ name: '002_orders', applied: true });
    expect(found('005_drop', 'applied')).toMatchObject({ name: '005_drop', applied: false });
  });

  it('no prefix or near-name matching: a partial name matches nothing', () => {
    expect(found('002', 'applied')).toBeUndefined();
    expect(found('002_order', 'applied')).toBeUndefined();
    expect(found('', 'applied')).toBeUndefined();
  });
});

describe('the same rule through each command', () => {
  it('undo --to: a name, a file, a tag; a pending one is said to be pending; an unknown one names `dbrollback status`', () => {
    const undone = (to: string) => selectForDown(applied, { to }, status.migrations).map((x) => x.name);
    expect(undone('001_schema')).toEqual(['003_index', '002_orders']);
    expect(undone('001_schema.up.sql')).toEqual(['003_index', '002_orders']);
    expect(undone('release')).toEqual(['003_index']);
    expect(thrown(() => undone('next')).message).toBe('--to next: 004_rename is pending (not applied), so the database cannot be rolled back to it');
    const unknown = thrown(() => undone('002_order'));
    expect(unknown.code).toBe('MIGRATION_NOT_FOUND');
    expect(unknown.message).toBe('--to 002_order: no applied migration has that name');
    expect(unknown.hint).toMatch(/^Applied migrations with similar names: 002_orders\b.*Run `dbrollback status` for the full list\.$/);
    // The pending migration's name, though an applied one carries it as a tag: a name wins (the tag used to).
    expect(thrown(() => undone('005_drop')).message).toBe('--to 005_drop: that migration is pending (not applied), so the database cannot be rolled back to it');
  });

  it('migrate --to: a name, a file, a tag; an applied one is said to be applied; an unknown one names `dbrollback status`', () => {
    const up = (to: string) => selectPending(status, { to }).map((x) => x.name);
    expect(up('005_drop')).toEqual(['004_rename', '005_drop']);
    expect(up('004_rename.down.sql')).toEqual(['004_rename']);
    expect(up('next')).toEqual(['004_rename']);
    const done = thrown(() => up('release'));
    expect([done.code, done.message]).toEqual(['USAGE', 'release is already applied']);
    expect(thrown(() => up('002_orders')).message).toBe('002_orders is already applied');
    const unknown = thrown(() => up('002_order'));
    expect([unknown.code, unknown.message, unknown.hint]).toEqual(['MIGRATION_NOT_FOUND', '--to 002_order: no pending migration has that name', 'Run `dbrollback status` for the migrations the tool knows. Nothing was changed.']);
  });

  it('restore --before-migration: a name, a file, a tag; a pending one is not applied; an unknown one names `dbrollback status`', async () => {
    const storage = memoryStorage('named-migration');
    const before = (name: string) => resolveBeforeMigration(storage, status, name, { via: 'pitr', database: 'app' });
    for (const name of ['002_orders', '002_orders.up.sql', 'release', '2']) expect(await before(name)).toMatchObject({ kind: 'applied-at', migration: '002_orders', time: at(2).toISOString() });
    const notApplied = await rejected(before('next'));
    expect([notApplied.code, notApplied.message]).toEqual(['USAGE', '--before-migration next: 004_rename is not applied, so there is nothing to go back before']);
    const unknown = await rejected(before('002_order'));
    expect([unknown.code, unknown.message]).toEqual(['MIGRATION_NOT_FOUND', '--before-migration 002_order: golang-migrate knows no migration of that name']);
    expect(unknown.hint).toContain('Run `dbrollback status`');
  });
});
