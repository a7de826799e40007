/**
 * What Flyway's migrate applies and what its validation lets pass, read from
 * the history and the files (state.ts), pure logic: the target (a version,
 * current, next, <version>?), migrations below the applied head without
 * outOfOrder (Flyway's "Ignored"), and ignoreMigrationPatterns for missing,
 * future and ignored migrations — as MigrationInfoImpl.getState/validate and
 * MigrationInfoServiceImpl.refresh decide them.
 */
import { describe, expect, it } from 'vitest';
import type { FlywayLocation, FlywayMigration } from '../../../src/tools/flyway/files.js';
import type { HistoryRow } from '../../../src/tools/flyway/history.js';
import { parseIgnorePatterns, parseTarget } from '../../../src/tools/flyway/migrate-settings.js';
import { DEFAULT_NAMING, versionParts } from '../../../src/tools/flyway/names.js';
import { REPEATABLE_STAYS, stateOf, toInfo, type StateOptions } from '../../../src/tools/flyway/state.js';
import { selectForDown } from '../../../src/tools/select.js';

const versioned = (v: string): FlywayMigration => ({
  kind: 'versioned',
  version: v,
  parts: versionParts(v),
  description: `m${v}`,
  name: `V${v}__m${v}`,
  script: `V${v}__m${v}.sql`,
  path: `/m/V${v}__m${v}.sql`,
  language: 'sql',
  undo: null,
  down: 'missing',
});
const repeatable = (d: string): FlywayMigration => ({ kind: 'repeatable', version: null, parts: [], description: d, name: `R__${d}`, script: `R__${d}.sql`, path: `/m/R__${d}.sql`, language: 'sql', undo: null, down: 'missing' });
const location = (...migrations: FlywayMigration[]): FlywayLocation => ({ dir: '/m', migrations, callbacks: [], ignored: [], naming: DEFAULT_NAMING, baselines: [] });
let rank = 0;
const row = (version: string | null, description: string, type = 'SQL'): HistoryRow => ({
  installedRank: (rank += 1),
  version,
  description,
  type,
  script: version === null ? `R__${description}.sql` : `V${version}__${description}.sql`,
  checksum: null,
  installedBy: 'deploy',
  installedOn: new Date(0),
  executionTime: 1,
  success: true,
});
const run = (loc: FlywayLocation, rows: HistoryRow[], options: Partial<StateOptions> = {}) => stateOf(loc, rows, new Map(), { outOfOrder: false, ...options });
const target = (value: string) => parseTarget(value, 'flyway.toml');
const names = (ms: readonly FlywayMigration[]) => ms.map((m) => m.name);

describe('Flyway target', () => {
  const files = location(versioned('1'), versioned('2'), versioned('3'), versioned('4'), repeatable('views'));
  const applied = [row('1', 'm1')];

  it('a version: migrate stops there; the versions above it are pending but left, the repeatables still run', () => {
    const state = run(files, applied, { target: target('3') });
    expect(names(state.pending)).toEqual(['V2__m2', 'V3__m3', 'R__views']);
    expect(state.skipped.map((s) => [s.migration.name, s.reason])).toEqual([['V4__m4', "above the target Flyway's configuration sets (target = 3, in flyway.toml): Flyway's migrate does not apply it"]]);
    expect(state.skipped[0]!.hint).toContain('Raise or remove target in the Flyway configuration (flyway.toml)');
    expect(state.targetProblem).toBeNull();
    expect(state.invalid).toEqual([]);
  });

  it('a version no migration has stops Flyway (targetProblem); written <version>? it goes up to it without failing', () => {
    expect(run(files, applied, { target: target('3.5') }).targetProblem).toBe('No migration with a target version 3.5 could be found (target = 3.5, in flyway.toml): Flyway stops there, and so does dbrollback');
    const lenient = run(files, applied, { target: target('3.5?') });
    expect(lenient.targetProblem).toBeNull();
    expect(names(lenient.pending)).toEqual(['V2__m2', 'V3__m3', 'R__views']);
    // An applied version is a version a migration has.
    expect(run(files, applied, { target: target('1') }).targetProblem).toBeNull();
  });

  it('current: no new versioned migration (with nothing applied, none at all); next: only the next pending migration; latest: everything', () => {
    expect(names(run(files, applied, { target: target('current') }).pending)).toEqual(['R__views']);
    expect(names(run(files, [], { target: target('current') }).pending)).toEqual(['R__views']);
    const next = run(files, applied, { target: target('next') });
    expect(names(next.pending)).toEqual(['V2__m2']);
    expect(next.skipped.map((s) => s.migration.name)).toEqual(['V3__m3', 'V4__m4', 'R__views']);
    expect(next.skipped[0]!.reason).toBe("target = next (in flyway.toml): Flyway's migrate applies only the next pending migration, V2__m2");
    expect(names(run(files, applied, { target: target('latest') }).pending)).toEqual(['V2__m2', 'V3__m3', 'V4__m4', 'R__views']);
  });
});

describe('Flyway ignored, missing and future migrations, and ignoreMigrationPatterns', () => {
  it('a version below the applied head without outOfOrder is never applied; validation refuses it unless *:ignored (or versioned:ignored) is set', () => {
    const files = location(versioned('1'), versioned('2'), versioned('3'));
    const rows = [row('1', 'm1'), row('3', 'm3')];
    const strict = run(files, rows);
    expect(names(strict.pending)).toEqual([]);
    expect(strict.skipped.map((s) => s.migration.name)).toEqual(['V2__m2']);
    expect(strict.invalid.join('\n')).toContain('Detected resolved migration not applied to database: 2');
    for (const p of ['*:ignored', 'versioned:ignored', '*:*']) expect(run(files, rows, { ignorePatterns: parseIgnorePatterns(p, 'x') }).invalid).toEqual([]);
    expect(run(files, rows, { ignorePatterns: parseIgnorePatterns('repeatable:ignored', 'x') }).invalid).toHaveLength(1);
    expect(names(run(files, rows, { outOfOrder: true }).pending)).toEqual(['V2__m2']);
  });

  it('an applied version gone from disk is missing below the highest file and future above it: *:future passes by default, *:missing and repeatable:missing must be set', () => {
    const files = location(versioned('1'), versioned('3'), repeatable('views'));
    const rows = [row('1', 'm1'), row('2', 'm2'), row('3', 'm3'), row(null, 'gone'), row('9', 'm9')];
    const byDefault = run(files, rows);
    expect(byDefault.invalid).toEqual([
      "Detected applied migration not resolved locally: 2 (V2__m2.sql; Flyway's state: missing, not in ignoreMigrationPatterns *:future)",
      'Detected applied migration not resolved locally: repeatable "gone" (R__gone.sql; Flyway\'s state: missing, not in ignoreMigrationPatterns *:future)',
    ]);
    expect(run(files, rows, { ignorePatterns: parseIgnorePatterns('*:future,*:missing', 'x') }).invalid).toEqual([]);
    expect(run(files, rows, { ignorePatterns: parseIgnorePatterns('*:future,repeatable:missing', 'x') }).invalid.map((p) => p.slice(0, 60))).toEqual(['Detected applied migration not resolved locally: 2 (V2__m2.s']);
    // Without *:future (an empty list), the version above every file is refused too.
    expect(run(files, rows, { ignorePatterns: [] }).invalid.some((p) => p.includes('resolved locally: 9'))).toBe(true);
  });
});

describe('Flyway baseline migrations (B scripts)', () => {
  const b = (v: string): FlywayMigration => ({ ...versioned(v), name: `B${v}__all`, script: `B${v}__all.sql`, path: `/m/B${v}__all.sql`, baseline: true });
  const withBaselines = (...baselines: FlywayMigration[]): FlywayLocation => ({ ...location(versioned('1'), versioned('2'), versioned('3'), repeatable('views')), baselines });

  it('without history, the latest one runs instead of the versions at or below it, whatever the target; older ones never run', () => {
    const state = run(withBaselines(b('1'), b('2')), []);
    expect(names(state.pending)).toEqual(['B2__all', 'V3__m3', 'R__views']);
    expect(state.skipped.map((s) => s.migration.name)).toEqual(['V1__m1', 'V2__m2']);
    expect(names(run(withBaselines(b('2')), [], { target: target('1?') }).pending)).toEqual(['B2__all', 'R__views']);
  });

  it('with history, none runs; an applied one (SQL_BASELINE) is the baseline: the versions at or below it are not pending, and nothing undoes it', () => {
    expect(names(run(withBaselines(b('2')), [row('1', 'm1')]).pending)).toEqual(['V2__m2', 'V3__m3', 'R__views']);
    const state = run(withBaselines(b('2')), [{ ...row('2', 'all', 'SQL_BASELINE'), script: 'B2__all.sql' }]);
    expect(names(state.pending)).toEqual(['V3__m3', 'R__views']);
    expect(state.applied.map((a) => [a.name, a.down])).toEqual([['B2__all', 'missing']]);
    expect(state.invalid).toEqual([]);
  });
});

describe('the names a Flyway user gives a versioned migration (versionTags)', () => {
  it('--to takes the version as Flyway records it (1.1), as the file writes it (1_1), with its prefix (V1_1), and the undo script that names it (U1_1__pet_types.sql); a repeatable has none', async () => {
    const { selectForDown } = await import('../../../src/tools/select.js');
    const { selectPending } = await import('../../../src/migrate/migrate/select-pending.js');
    const { toInfo, pendingInfo } = await import('../../../src/tools/flyway/state.js');
    const undo = (m: FlywayMigration): FlywayMigration => ({ ...m, undo: { ...m, kind: 'undo', name: m.name.replace(/^V/, 'U'), script: m.script.replace(/^V/, 'U'), path: m.path.replace('/V', '/U') }, down: 'yes' });
    const v1 = versioned('1');
    const v11 = undo({ ...versioned('1.1'), name: 'V1_1__pet_types', script: 'V1_1__pet_types.sql', path: '/m/V1_1__pet_types.sql' });
    const v2 = undo(versioned('2'));
    const r = repeatable('views');
    const applied = [v1, v11, v2].map((m) => toInfo({ name: m.name, row: row(m.version, m.description), migration: m, down: m.down }, DEFAULT_NAMING));
    expect(applied[1]!.tags).toEqual(['1.1', '1_1', 'V1_1', 'U1_1__pet_types', 'U1_1__pet_types.sql']);
    expect(pendingInfo(r, DEFAULT_NAMING).tags).toBeUndefined();
    for (const to of ['1.1', '1_1', 'V1_1', 'U1_1__pet_types.sql']) expect(selectForDown(applied, { to }).map((m) => m.name)).toEqual(['V2__m2']);
    const pending = [v1, v11, v2].map((m) => pendingInfo(m, DEFAULT_NAMING));
    const status = { migrator: 'flyway', migrations: pending, applied: [], pending, head: null, missingDefinitions: [], lockHolder: null };
    expect(selectPending(status, { to: '1.1' }).map((m) => m.name)).toEqual(['V1__m1', 'V1_1__pet_types']);
  });
});

describe('Flyway undo and repeatables', () => {
  it('a repeatable re-applied last (its checksum changed) stays applied: --count 1 selects the newest versioned migration, as `flyway undo` does', () => {
    const files = location(versioned('1'), versioned('2'), repeatable('views'));
    // migrate ran V1, V2 and the view; the view's script changed and the next migrate re-applied it (rank 4).
    const rows = [row('1', 'm1'), row('2', 'm2'), row(null, 'views'), row(null, 'views')];
    const applied = run(files, rows).applied.map((a) => toInfo(a, DEFAULT_NAMING));
    expect(applied.map((m) => [m.name, m.staysApplied ?? null])).toEqual([['V1__m1', null], ['V2__m2', null], ['R__views', REPEATABLE_STAYS]]);
    expect(selectForDown(applied, { count: 1 }).map((m) => m.name)).toEqual(['V2__m2']);
    expect(selectForDown(applied, { count: 2 }).map((m) => m.name)).toEqual(['V2__m2', 'V1__m1']);
  });
});
