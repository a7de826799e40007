import { describe, expect, it } from 'vitest';
import type { MigrationInfo } from '../../../src/tools/contract.js';
import { nearestNames, selectForDown, selectWithStaying } from '../../../src/tools/select.js';
import { DbrollbackError } from '../../../src/errors.js';

const applied = (names: string[]): MigrationInfo[] =>
  names.map((name) => ({ name, path: `/m/${name}.sql`, applied: true, appliedAt: new Date(0), down: 'yes' }));

const history = applied(['001_create-tables', '002_add-customer-phone', '003_index-orders-customer']);
const pendingOne: MigrationInfo = { name: '004_rename-order-note', path: '/project/db/004_rename-order-note.up.sql', applied: false, appliedAt: null, down: 'yes', tags: ['4', '004'] };

function thrown(fn: () => unknown): DbrollbackError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DbrollbackError) return err;
    throw err;
  }
  throw new Error('expected a DbrollbackError');
}

describe('selectForDown', () => {
  it('--to a tag keeps the migration the tag is on (a name of the migration wins over a tag)', () => {
    const tagged = history.map((m, i) => (i === 0 ? { ...m, tags: ['@v1.0', 'release-1'] } : m));
    expect(selectForDown(tagged, { to: '@v1.0' }).map((m) => m.name)).toEqual(['003_index-orders-customer', '002_add-customer-phone']);
    expect(selectForDown(tagged, { to: 'release-1' }).map((m) => m.name)).toEqual(['003_index-orders-customer', '002_add-customer-phone']);
    expect(thrown(() => selectForDown(history, { to: '@v1.0' })).code).toBe('MIGRATION_NOT_FOUND');
  });

  it('selects the last N applied migrations, newest first', () => {
    expect(selectForDown(history, { count: 2 }).map((m) => m.name)).toEqual(['003_index-orders-customer', '002_add-customer-phone']);
  });

  it('selects every applied migration when count equals the number applied', () => {
    expect(selectForDown(history, { count: 3 })).toHaveLength(3);
  });

  it('rejects a count larger than the number applied, naming both numbers (exit 2)', () => {
    const err = thrown(() => selectForDown(history, { count: 5 }));
    expect(err.code).toBe('USAGE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('--count 5 is more than the 3 applied migrations');
  });

  it('rejects a count below 1 or not a whole number', () => {
    expect(thrown(() => selectForDown(history, { count: 0 })).code).toBe('USAGE');
    expect(thrown(() => selectForDown(history, { count: 1.5 })).code).toBe('USAGE');
  });

  it('rejects --count when nothing is applied', () => {
    expect(thrown(() => selectForDown([], { count: 1 })).message).toMatch(/no migration is applied/);
  });

  it('--to NAME undoes everything applied after NAME and keeps NAME applied', () => {
    expect(selectForDown(history, { to: '001_create-tables' }).map((m) => m.name)).toEqual(['003_index-orders-customer', '002_add-customer-phone']);
  });

  it('--to the head selects nothing', () => {
    expect(selectForDown(history, { to: '003_index-orders-customer' })).toEqual([]);
  });

  it('--to an unknown name is MIGRATION_NOT_FOUND listing nearby applied names', () => {
    const err = thrown(() => selectForDown(history, { to: '002_add-customer-phon' }));
    expect(err.code).toBe('MIGRATION_NOT_FOUND');
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('002_add-customer-phone');
    expect(err.details).toMatchObject({ nearby: ['002_add-customer-phone'] });
  });

  it('--to a pending migration says it is pending', () => {
    const err = thrown(() => selectForDown(history, { to: '004_rename-order-note' }, [...history, pendingOne]));
    expect(err.code).toBe('MIGRATION_NOT_FOUND');
    expect(err.message).toBe('--to 004_rename-order-note: that migration is pending (not applied), so the database cannot be rolled back to it');
  });

  it('--to a pending migration by its file name or its version tag (golang-migrate) says which one is pending and names what is applied', () => {
    for (const to of ['004_rename-order-note.up.sql', '/project/db/004_rename-order-note.down.sql', '4']) {
      const err = thrown(() => selectForDown(history, { to }, [...history, pendingOne]));
      expect(err.code).toBe('MIGRATION_NOT_FOUND');
      expect(err.message).toBe(`--to ${to}: 004_rename-order-note is pending (not applied), so the database cannot be rolled back to it`);
      expect(err.message).not.toContain('no applied migration has that name');
      expect(err.hint).toBe(
        'Applied migrations (newest last): 001_create-tables, 002_add-customer-phone, 003_index-orders-customer; the head is 003_index-orders-customer. --to takes an applied migration, which stays applied (--count 1 undoes 003_index-orders-customer). Run `dbrollback status` for the full list.',
      );
    }
  });
});

describe('nearestNames', () => {
  it('matches a name whose numeric prefix differs', () => {
    expect(nearestNames('1700000000000_add-customer-phone', ['002_add-customer-phone', '001_create-tables'])).toEqual(['002_add-customer-phone']);
  });

  it('returns nothing for an unrelated name', () => {
    expect(nearestNames('zzzzzzzzzzzzzzzz', ['002_add-customer-phone'])).toEqual([]);
  });
});

describe('selectForDown with migrations that stay applied (a Flyway repeatable: re-applied by migrate, never undone)', () => {
  const STAYS = 'a Flyway repeatable: migrate re-applies it when its script changes';
  const repeatable = (name: string): MigrationInfo => ({ name, path: `/m/${name}.sql`, applied: true, appliedAt: new Date(0), down: 'missing', staysApplied: STAYS });
  // Flyway's history after a migrate that changed the view's script: the repeatable is the newest row.
  const flyway = [...applied(['V1__init', 'V2__visits']), repeatable('R__counts'), ...applied(['V3__email']), repeatable('R__views')];

  it('--count 1 picks the newest versioned migration, not the repeatable re-applied after it; the repeatables after it are named as staying', () => {
    const { selected, staying } = selectWithStaying(flyway, { count: 1 });
    expect(selected.map((m) => m.name)).toEqual(['V3__email']);
    expect(staying.map((m) => m.name)).toEqual(['R__views']);
  });

  it('--count N counts versioned migrations only, newest first, and names every repeatable applied among them', () => {
    const { selected, staying } = selectWithStaying(flyway, { count: 2 });
    expect(selected.map((m) => m.name)).toEqual(['V3__email', 'V2__visits']);
    expect(staying.map((m) => m.name)).toEqual(['R__counts', 'R__views']);
  });

  it('--to NAME undoes the versioned migrations after NAME and leaves the repeatables applied', () => {
    const { selected, staying } = selectWithStaying(flyway, { to: 'V1__init' });
    expect(selected.map((m) => m.name)).toEqual(['V3__email', 'V2__visits']);
    expect(staying.map((m) => m.name)).toEqual(['R__counts', 'R__views']);
    // Only a repeatable after NAME: nothing to undo, and it is named as staying.
    expect(selectWithStaying(flyway, { to: 'V3__email' })).toEqual({ selected: [], staying: [flyway[4]] });
  });

  it('--count above the versioned migrations is refused, saying the repeatables are not counted (exit 2)', () => {
    const err = thrown(() => selectForDown(flyway, { count: 4 }));
    expect(err.code).toBe('USAGE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(`--count 4 is more than the 3 applied migrations undo can take back (R__counts, R__views are applied too, but undo leaves them applied and does not count them: ${STAYS})`);
    expect(err.hint).toContain('Pass --count 3 or less');
    expect(err.hint).toContain('Nothing was changed.');
  });

  it('--count on a history of repeatables only is refused: nothing to undo, what to do instead', () => {
    const err = thrown(() => selectForDown([repeatable('R__views')], { count: 1 }));
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe(`--count 1: nothing to undo: the only applied migration is R__views, which undo leaves applied (${STAYS})`);
    expect(err.hint).toContain('change its script and migrate again');
    expect(err.hint).toContain('Nothing was changed.');
  });

  it('--to a repeatable is refused: it is no point in the history to undo to', () => {
    const err = thrown(() => selectForDown(flyway, { to: 'R__counts' }));
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain('--to R__counts: undo leaves it applied whatever is undone');
    expect(err.hint).toContain('V1__init, V2__visits, V3__email');
  });
});
