import { describe, expect, it } from 'vitest';
import type { MigrationInfo } from '../../../src/tools/contract.js';
import { migrationNameOf } from '../../../src/tools/file-name.js';

const info = (name: string, file: string | null): MigrationInfo => ({ name, path: file, applied: true, appliedAt: null, down: 'yes' });
const golang = [info('000003_index_trips', '/p/db/migrations/000003_index_trips.up.sql'), info('000004_add_value', '/p/db/migrations/000004_add_value.up.sql')];

describe('a migration named by its file', () => {
  it('the up file, with or without its folder, and the down file name the migration status lists', () => {
    expect(migrationNameOf('000003_index_trips.up.sql', golang)).toBe('000003_index_trips');
    expect(migrationNameOf('db/migrations/000003_index_trips.up.sql', golang)).toBe('000003_index_trips');
    expect(migrationNameOf('000004_add_value.down.sql', golang)).toBe('000004_add_value');
  });

  it('a name, a version or an unknown file is left as given (a tag or an error names it later)', () => {
    expect(migrationNameOf('000003_index_trips', golang)).toBe('000003_index_trips');
    expect(migrationNameOf('3', golang)).toBe('3');
    expect(migrationNameOf('000009_nope.up.sql', golang)).toBe('000009_nope.up.sql');
  });

  it('a tool whose names are file names (Knex: 20240101_create.js) keeps them', () => {
    const knex = [info('20240101_create.js', '/p/migrations/20240101_create.js')];
    expect(migrationNameOf('20240101_create.js', knex)).toBe('20240101_create.js');
  });
});
