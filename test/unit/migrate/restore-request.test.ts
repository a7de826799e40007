import { describe, expect, it } from 'vitest';
import { restoreKind, type RestoreRequest } from '../../../src/migrate/before-migration/restore-request.js';

describe('restoreKind: which restore the options ask for', () => {
  it.each<[RestoreRequest, string]>([
    [{ backup: 'latest' }, 'logical'],
    [{ backup: 'latest', targetDatabase: 'postgres://x/y' }, 'logical'],
    [{ pointInTime: '2026-01-02T13:30:00Z', dataDir: '/d' }, 'point-in-time'],
    [{ lsn: '0/5000060', dataDir: '/d', backup: 'B' }, 'point-in-time'],
    [{ beforeMigration: '004_x', dataDir: '/d' }, 'point-in-time'],
    [{ beforeMigration: '004_x', backup: 'auto' }, 'logical'],
    [{ beforeMigration: '004_x', tables: 'public.orders', intoDatabase: 'postgres://x/y' }, 'tables'],
    [{ restorePoint: 'p', tables: 'public.orders', intoDatabase: 'postgres://x/y', replace: true }, 'tables'],
    // A backup with --replace: the tables of a partial backup swapped in place (a whole-database backup is refused once its manifest is read).
    [{ backup: 'latest', replace: true }, 'partial'],
    // logtables: --backup auto with --tables means the logical route (the backup at the head before NAME), not a point-in-time one.
    [{ beforeMigration: '004_x', backup: 'auto', tables: 'public.orders' }, 'partial'],
    [{ beforeMigration: '004_x', backup: 'auto', tables: 'public.orders', intoDatabase: 'postgres://x/y', replace: true }, 'partial'],
    [{ backup: 'B', tables: 'public.orders' }, 'partial'],
  ])('%j is %s', (request, kind) => {
    expect(restoreKind(request)).toBe(kind);
  });

  it.each<[RestoreRequest, RegExp]>([
    [{}, /restore needs --backup ID\|latest/],
    [{ pointInTime: '2026-01-02T13:30:00Z' }, /needs --data-dir DIR/],
    [{ port: 5433 }, /needs --data-dir DIR/],
    [{ intoDatabase: 'postgres://x/y' }, /--into-database and --replace go with --tables/],
    [{ tables: 'public.orders', pointInTime: 'T' }, /--tables needs --into-database URL/],
    [{ tables: 'public.orders', intoDatabase: 'u' }, /--tables needs a target/],
    [{ tables: 'public.orders', intoDatabase: 'u', pointInTime: 'T', dataDir: '/d' }, /without --data-dir, --backup or --target-database/],
    [{ beforeMigration: 'n' }, /--before-migration needs --data-dir DIR .* or --backup auto/],
    [{ beforeMigration: 'n', dataDir: '/d', pointInTime: 'T' }, /a recovery target of its own/],
    [{ beforeMigration: 'n', tables: 't.x', intoDatabase: 'u', lsn: '0/1' }, /a recovery target of its own/],
    [{ beforeMigration: 'n', dataDir: '/d', backup: 'auto' }, /either --data-dir DIR .* or --backup auto .*, not both/],
    [{ beforeMigration: 'n', backup: 'auto', port: 5433 }, /--port go with a point-in-time restore/],
    [{ beforeMigration: 'n', backup: 'auto', tables: 't.x', dataDir: '/d' }, /--backup auto --tables restores tables from a logical backup: --data-dir do not apply/],
    [{ beforeMigration: 'n', backup: 'auto', tables: 't.x', targetDatabase: 'u', port: 5433 }, /--port, --target-database do not apply/],
    [{ beforeMigration: 'n', backup: 'auto', replace: true }, /--into-database and --replace go with --tables/],
    [{ beforeMigration: 'n', backup: 'auto', tables: 't.x', pointInTime: 'T' }, /a recovery target of its own/],
  ])('%j is refused as bad usage (exit 2)', (request, message) => {
    let thrown: unknown;
    try {
      restoreKind(request);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect((thrown as Error).message).toMatch(message);
  });
});
