/**
 * Which pending migrations `migrate` selects when the tool's own migrate
 * leaves some (Flyway's target): never past them — not by default, not with
 * --to or --count — and a migration dbrollback cannot run refused with the
 * tool's own hint when it gives one. Pure logic.
 */
import { describe, expect, it } from 'vitest';
import { selectPending } from '../../../src/migrate/migrate/select-pending.js';
import type { MigrationInfo, MigrationStatus } from '../../../src/tools/contract.js';
import { rejection } from '../../harness/fixtures.js';

const info = (name: string, extra: Partial<MigrationInfo> = {}): MigrationInfo => ({ name, path: `/m/${name}.sql`, applied: false, appliedAt: null, down: 'yes', ...extra });
const above = { skippedBy: "above the target Flyway's configuration sets (target = 2, in flyway.toml): Flyway's migrate does not apply it", skippedHint: 'Raise or remove target in the Flyway configuration (flyway.toml) to have Flyway and dbrollback apply it. Nothing was changed.' };
const status = (pending: MigrationInfo[]): MigrationStatus => ({ migrator: 'flyway', migrations: pending, applied: [], pending, head: null, missingDefinitions: [], lockHolder: null });
const refused = (s: MigrationStatus, target: Parameters<typeof selectPending>[1]) => rejection(Promise.resolve().then(() => selectPending(s, target)));

describe('selectPending and the tool\'s own target', () => {
  const s = status([info('V1__a'), info('V2__b'), info('V3__c', above), info('R__views')]);

  it('by default selects what the tool would apply, leaving the migrations above its target (repeatables still run)', () => {
    expect(selectPending(s, undefined).map((m) => m.name)).toEqual(['V1__a', 'V2__b', 'R__views']);
    expect(selectPending(s, { to: 'R__views' }).map((m) => m.name)).toEqual(['V1__a', 'V2__b', 'R__views']);
    expect(selectPending(s, { count: 2 }).map((m) => m.name)).toEqual(['V1__a', 'V2__b']);
  });

  it('refuses --to a migration above the target, and a --count beyond what the tool would apply, naming the setting (USAGE, nothing changed)', async () => {
    const to = await refused(s, { to: 'V3__c' });
    expect(to.code).toBe('USAGE');
    expect(to.message).toBe("--to V3__c: V3__c is pending but above the target Flyway's configuration sets (target = 2, in flyway.toml): Flyway's migrate does not apply it. dbrollback does not go past the tool's own configuration. Nothing was changed.");
    expect(to.hint).toBe(above.skippedHint);
    const count = await refused(s, { count: 4 });
    expect(count.message).toContain('--count 4 is more than the 3 pending migration(s) the tool would apply: V3__c is pending but above the target');
  });

  it('a migration dbrollback cannot run is refused with the tool\'s own hint when it gives one', async () => {
    const mixed = status([info('V1__a'), info('V2__b', { cannotRun: 'V2__b.sql holds both kinds of statements', cannotRunHint: 'Set mixed = true in the Flyway configuration.' })]);
    const err = await refused(mixed, undefined);
    expect(err.message).toBe('refusing to migrate: V2__b.sql holds both kinds of statements, and the migrations selected reach it. Nothing was applied.');
    expect(err.hint).toBe('Set mixed = true in the Flyway configuration; or apply only what comes before it: `dbrollback migrate --to V1__a`.');
  });
});
