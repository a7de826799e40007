/**
 * The ways back a restore plan offers, as words: the whole-database route
 * offers a logical restore (`--backup auto`) only where a logical backup at
 * the target head exists (else that command is refused, exit 2), and the table
 * route's sentences agree in number with the tables they name.
 */
import { describe, expect, it } from 'vitest';
import { restoreRoutes } from '../../../src/migrate/plan/restore-routes.js';
import type { TouchedTables } from '../../../src/migrate/plan/touched-tables.js';

const touched = (existing: string[], reshaped: string[] = [], dropped: Pick<TouchedTables, 'droppedColumns' | 'droppedTables'> = { droppedColumns: [], droppedTables: [] }): TouchedTables => ({ existing, created: [], reshaped, ...dropped });

describe('restoreRoutes', () => {
  it('offers no --backup auto alternative when no logical backup at the target head was found', () => {
    const { routes } = restoreRoutes({ oldest: '005_drop', touched: touched(['public.agents']), liveTables: 4, backup: null });
    const whole = routes.find((r) => r.route === 'whole-database')!;
    expect(whole.command).toBe('dbrollback restore --before-migration 005_drop --data-dir DIR');
    expect(whole.alternative).toBeNull();
  });

  it('with a backup at the target head: that backup first, the WAL archive as the alternative', () => {
    const { routes } = restoreRoutes({ oldest: '005_drop', touched: touched(['public.agents']), liveTables: 4, backup: { backupId: 'B1', createdAt: '2026-01-01T00:00:00Z' } });
    const whole = routes.find((r) => r.route === 'whole-database')!;
    expect(whole.command).toBe('dbrollback restore --backup B1');
    expect(whole.alternative).toBe('dbrollback restore --before-migration 005_drop --data-dir DIR');
  });

  it('where the storage shows no point-in-time restore can reach the moment, the WAL archive is not offered, and the reason is said', () => {
    const why = 'the restore point migrate made before 005_drop (0/5FC4FB0) was made while the server was not archiving WAL';
    const withBackup = restoreRoutes({ oldest: '005_drop', touched: null, liveTables: 4, backup: { backupId: 'B1', createdAt: '2026-01-01T00:00:00Z' }, pitrUnreachable: why }).routes[0]!;
    expect(withBackup.command).toBe('dbrollback restore --backup B1');
    expect(withBackup.alternative).toBeNull();
    expect(withBackup.discards).toBe(`every write to every table since backup B1 was taken (2026-01-01T00:00:00Z) (no point-in-time restore can reach the moment before 005_drop: ${why})`);
    // The table route is a point-in-time restore too, and no logical backup at the head before 005_drop: not offered, and the note says why.
    const earlier = { backupId: 'B0', createdAt: '2026-01-01T00:00:00Z', migrationHead: null, atTargetHead: false };
    const tablesToo = restoreRoutes({ oldest: '005_drop', touched: touched(['public.agents']), liveTables: 4, backup: earlier, pitrUnreachable: why });
    expect(tablesToo.routes.map((r) => r.route)).toEqual(['whole-database']);
    expect(tablesToo.tableRouteNote).toBe(`only the touched tables is not offered: they are recovered through a point-in-time restore, and none can reach the moment before 005_drop (${why}); nor from a logical backup, as none was taken at the head before 005_drop (backup B0 is at head (no migration))`);
    const noBackup = restoreRoutes({ oldest: '005_drop', touched: touched(['public.agents']), liveTables: 4, backup: null, pitrUnreachable: why });
    expect(noBackup.tableRouteNote).toBe(`only the touched tables is not offered: they are recovered through a point-in-time restore, and none can reach the moment before 005_drop (${why}); nor from a logical backup, as none was taken at the head before 005_drop`);
    const without = restoreRoutes({ oldest: '005_drop', touched: null, liveTables: 4, backup: null, pitrUnreachable: 'the storage holds no base backup to start one from' }).routes[0]!;
    expect(without.discards).toBe('every write to every table since just before 005_drop — but it cannot run: the storage holds no base backup to start one from, and no logical backup at the head before 005_drop was found');
  });

  it('logtables: where no point-in-time restore can reach the moment, the touched tables come from the logical backup at the head before it (--backup auto --tables), discarding their writes since it was taken', () => {
    const why = 'the restore point migrate made before 005_drop (0/5FC4FB0) was made while the server was not archiving WAL';
    const backup = { backupId: 'B1', createdAt: '2026-01-01T00:00:00Z', migrationHead: '004_agents', atTargetHead: true };
    const { routes, tableRouteNote } = restoreRoutes({ oldest: '005_drop', touched: touched(['public.agents', 'public.calls']), liveTables: 4, backup, targetHead: '004_agents', pitrUnreachable: why });
    expect(tableRouteNote).toBeNull();
    expect(routes.map((r) => r.route)).toEqual(['tables', 'whole-database']);
    const tables = routes[0]!;
    expect(tables.command).toBe('dbrollback restore --before-migration 005_drop --backup auto --tables public.agents,public.calls --into-database URL');
    expect(tables.alternative).toBeNull();
    expect(tables.replaceBlockedBy).toEqual([]);
    expect(tables.discards).toBe(
      'nothing by itself: public.agents, public.calls as they were in backup B1, taken at the head before 005_drop (2026-01-01T00:00:00Z), land in a new schema dbrollback_recovered_<time>, beside the live tables. With --replace it discards every write to public.agents, public.calls since backup B1 was taken (2026-01-01T00:00:00Z) (the live tables are kept aside, not dropped); every write to the other tables is kept either way',
    );
    expect(routes[1]!.command).toBe('dbrollback restore --backup B1');
    expect(routes[1]!.discards).toMatch(/— the other tables' later writes included$/);
    // Foreign keys from other tables do not block --replace here (the keys are made again); a changed definition still does.
    const keyed = restoreRoutes({ oldest: '005_drop', touched: touched(['public.agents']), liveTables: 4, backup, pitrUnreachable: why, inboundKeys: [{ constraint: 'calls_agent_fkey', from: 'public.calls', to: 'public.agents' }] }).routes[0]!;
    expect(keyed.replaceBlockedBy).toEqual([]);
    expect(keyed.discards).toContain('the foreign keys from public.calls into it are made again on the restored table');
    const reshaped = restoreRoutes({ oldest: '005_drop', touched: touched(['public.agents'], ['public.agents']), liveTables: 4, backup, pitrUnreachable: why }).routes[0]!;
    expect(reshaped.replaceBlockedBy).toEqual(['public.agents: its definition was changed by the migrations']);
    expect(reshaped.command).toContain('--backup auto --tables public.agents');
    // The FEW_TABLES rule holds on this route too.
    const six = restoreRoutes({ oldest: '005_drop', touched: touched(['public.a', 'public.b', 'public.c', 'public.d', 'public.e', 'public.f']), liveTables: 10, backup, pitrUnreachable: why });
    expect(six.routes.map((r) => r.route)).toEqual(['whole-database']);
    expect(six.tableRouteNote).toMatch(/more than 5/);
  });

  it('a backup taken earlier than the target head says it takes back the migrations after its own head too, and how to apply them again (was: only "every write since")', () => {
    const backup = { backupId: 'B0', createdAt: '2026-01-01T00:00:00Z', migrationHead: '003_bookings.js', atTargetHead: false };
    const whole = restoreRoutes({ oldest: '009_drop', touched: null, liveTables: 4, backup, targetHead: '008_phone.js' }).routes[0]!;
    expect(whole.command).toBe('dbrollback restore --backup B0');
    expect(whole.discards).toBe(
      'every write to every table since backup B0 was taken (2026-01-01T00:00:00Z), and it holds the database at head 003_bookings.js, not 008_phone.js: the migrations applied after 003_bookings.js are undone too (apply them again with dbrollback migrate --to 008_phone.js); from the WAL archive (dbrollback restore --before-migration 009_drop --data-dir DIR), every write since just before 009_drop',
    );
    const atHead = restoreRoutes({ oldest: '009_drop', touched: null, liveTables: 4, backup: { ...backup, migrationHead: '008_phone.js', atTargetHead: true }, targetHead: '008_phone.js' }).routes[0]!;
    expect(atHead.discards).not.toContain('undone too');
  });

  it('one table: "it was … lands"; two reshaped tables: "they would have their shape"', () => {
    const one = restoreRoutes({ oldest: '005_drop', touched: touched(['public.agents'], ['public.agents']), liveTables: 4, backup: null }).routes[0]!;
    expect(one.discards).toContain('public.agents as it was before 005_drop lands in a new schema dbrollback_recovered_<time>, beside the live table.');
    expect(one.discards).toContain('so swapped in place it would have its shape from before 005_drop');
    const two = restoreRoutes({ oldest: '005_drop', touched: touched(['public.accounts', 'public.agents'], ['public.agents']), liveTables: 4, backup: null }).routes[0]!;
    expect(two.discards).toContain('public.accounts, public.agents as they were before 005_drop land in a new schema dbrollback_recovered_<time>, beside the live tables.');
    expect(two.discards).toContain('so swapped in place they would have their shape from before 005_drop');
  });

  it('a column the migrations dropped: copying back says to re-add it first (the live table no longer has it), not a bare UPDATE … FROM', () => {
    const route = restoreRoutes({
      oldest: '000010_drop_vehicles_legacy_code',
      touched: touched(['public.vehicles'], ['public.vehicles'], { droppedColumns: [{ table: 'public.vehicles', column: 'legacy_code' }], droppedTables: [] }),
      liveTables: 5,
      backup: null,
    }).routes[0]!;
    expect(route.discards).toContain(
      'the live table no longer has public.vehicles.legacy_code, which the migrations dropped: re-add it first (ALTER TABLE public.vehicles ADD COLUMN legacy_code <its type in dbrollback_recovered_<time>.vehicles>), then copy the values (e.g. UPDATE public.vehicles SET legacy_code = r.legacy_code FROM dbrollback_recovered_<time>.vehicles r WHERE …)',
    );
    expect(route.discards).not.toContain('e.g. UPDATE … FROM');
  });

  it('a table the migrations dropped: its recovered copy is moved back, no UPDATE into a table that is gone', () => {
    const route = restoreRoutes({ oldest: '005_drop', touched: touched(['public.legacy'], ['public.legacy'], { droppedColumns: [], droppedTables: ['public.legacy'] }), liveTables: 4, backup: null }).routes[0]!;
    expect(route.discards).toContain('public.legacy no longer exists (the migrations dropped it): move the recovered copy back, e.g. ALTER TABLE dbrollback_recovered_<time>.legacy SET SCHEMA public');
    expect(route.discards).not.toContain('UPDATE');
  });
});
