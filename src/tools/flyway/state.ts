/**
 * What flyway_schema_history says, read as Flyway's MigrationInfoService
 * reads it (Flyway 10–12): which versions are applied (the last SQL or JDBC
 * row of a version, not followed by an UNDO_SQL or DELETE row), the
 * baseline, the repeatables applied (their latest successful row) and
 * whether they changed since (Outdated: pending again, re-applied after the
 * versioned migrations), the failed rows, and what Flyway's validate would
 * refuse (a changed checksum or description, an applied migration gone from
 * disk, a pending version below an applied one unless outOfOrder).
 *
 * A Java migration's row (type JDBC, SPRING_JDBC) whose class is not in the
 * folder is not "gone from disk": its class is on the application's
 * classpath, which dbrollback cannot see.
 */
import path from 'node:path';
import type { DownKind, MigrationInfo } from '../contract.js';
import type { FlywayLocation, FlywayMigration, FlywayScript } from './files.js';
import { abbreviateDescription, type HistoryRow } from './history.js';
import { DEFAULT_IGNORE_PATTERNS, ignores, type FlywayTarget, type IgnorePattern } from './migrate-settings.js';
import { compareVersions, stemOf, versionParts, type FlywayNaming } from './names.js';

export interface AppliedEntry {
  name: string;
  row: HistoryRow;
  migration: FlywayMigration | null;
  down: DownKind;
  downNote?: string;
}

export interface FlywayState {
  /** In installed_rank order. */
  applied: AppliedEntry[];
  /** What migrate applies, in Flyway's apply order: versioned by version, then repeatables never applied or changed since. */
  pending: FlywayMigration[];
  /** Not applied, and Flyway's migrate leaves them (above the target, below the applied head without outOfOrder, after the one `target = next` runs): why, in words. */
  skipped: Array<{ migration: FlywayMigration; reason: string; hint: string }>;
  /** The configured target version no migration has (Flyway stops migrate and info on it), or null. */
  targetProblem: string | null;
  /** The objects in the history's schema when it has no history table and baselineOnMigrate is off (Flyway refuses to migrate then); set by the adapter. */
  unbaselined?: string[];
  /** The baseline migrate records first (baselineOnMigrate on a schema holding objects but no history): read above it, not yet applied; set by the adapter. */
  willBaseline?: HistoryRow;
  baseline: HistoryRow | null;
  failed: HistoryRow[];
  /** Applied repeatables whose script changed since (Flyway's "Outdated"). */
  outdated: Array<{ migration: FlywayMigration; row: HistoryRow; now: number }>;
  /** What Flyway's validate refuses, in its words. */
  invalid: string[];
}

/** A script's checksum as Flyway computes it now, and the other one that still matches (placeholders.ts). */
export type Checksums = ReadonlyMap<string, { checksum: number; equivalent: number | null }>;

/** Types of the rows of Java migrations, whose classes live on the classpath. */
const JAVA_TYPES = new Set(['JDBC', 'SPRING_JDBC']);

/** The history read against the files; `checksums`: the SQL scripts' by path (validate compares them). */
export interface StateOptions {
  outOfOrder: boolean;
  /** Default: latest (no target). */
  target?: FlywayTarget;
  /** Default: Flyway's `*:future`. */
  ignorePatterns?: readonly IgnorePattern[];
}

export function stateOf(location: FlywayLocation, rows: readonly HistoryRow[], checksums: Checksums, options: StateOptions): FlywayState {
  const patterns = options.ignorePatterns ?? DEFAULT_IGNORE_PATTERNS;
  const target = options.target ?? { kind: 'latest' };
  const versioned = location.migrations.filter((m) => m.kind === 'versioned');
  const repeatables = location.migrations.filter((m) => m.kind === 'repeatable');
  const byVersion = new Map<string, HistoryRow>();
  const byDescription = new Map<string, HistoryRow>();
  const failed: HistoryRow[] = [];
  let baseline: HistoryRow | null = null;
  for (const row of rows) {
    if (row.type === 'SCHEMA') continue;
    if (!row.success) {
      failed.push(row);
      continue;
    }
    const undone = row.type.startsWith('UNDO_') || row.type === 'DELETE';
    if (row.version === null) {
      if (undone) byDescription.delete(row.description);
      else byDescription.set(row.description, row);
      continue;
    }
    const key = keyOf(row.version);
    // The highest baseline recorded (context.appliedBaseline): Flyway's BASELINE marker or an applied baseline migration.
    if (isBaselineType(row.type) && (baseline === null || compareVersions(versionParts(row.version), versionParts(baseline.version!)) > 0)) baseline = row;
    if (undone) byVersion.delete(key);
    else {
      // A re-applied version moves to its new rank.
      byVersion.delete(key);
      byVersion.set(key, row);
    }
  }

  const invalid: string[] = [];
  const applied: AppliedEntry[] = [];
  const maxResolved = versioned.at(-1)?.parts ?? [];
  for (const row of byVersion.values()) {
    const parts = versionParts(row.version!);
    const file = versioned.find((m) => compareVersions(m.parts, parts) === 0) ?? null;
    if (row.type !== 'BASELINE' && isBaselineType(row.type)) {
      // An applied baseline migration (B script): named by its file, never validated against it (Flyway checks nothing at or below the baseline).
      const b = location.baselines.find((m) => compareVersions(m.parts, parts) === 0) ?? null;
      applied.push({ name: b?.name ?? stemOf(path.posix.basename(row.script), location.naming), row, migration: b, down: 'missing', downNote: `a baseline migration (type ${row.type}, the whole schema at version ${row.version}): nothing undoes it; the way back is a restore` });
      continue;
    }
    if (row.type === 'BASELINE') {
      applied.push({ name: file?.name ?? `baseline-${row.version}`, row, migration: file, down: 'missing', downNote: `the baseline Flyway recorded (version ${row.version}): the schema from before Flyway's history, which nothing undoes` });
      continue;
    }
    if (file) {
      const now = checksums.get(file.path)?.checksum ?? null;
      if (now !== null && row.checksum !== null && now !== row.checksum) {
        invalid.push(`Migration checksum mismatch for migration version ${row.version}: applied to database ${row.checksum}, resolved locally ${now} (${file.script})`);
      } else if (row.description !== abbreviateDescription(file.description)) {
        invalid.push(`Migration description mismatch for migration version ${row.version}: applied to database "${row.description}", resolved locally "${file.description}"`);
      }
      applied.push({ name: file.name, row, migration: file, down: file.down, ...(file.downNote ? { downNote: file.downNote } : {}) });
    } else if (JAVA_TYPES.has(row.type)) {
      const className = row.script.split('.').at(-1)!;
      applied.push({ name: className, row, migration: null, down: 'missing', downNote: `a Java migration (class ${row.script}, type ${row.type}): dbrollback cannot see or run its class, and there is no ${location.naming.undoPrefix}${row.version}${location.naming.separator} undo script; the way back is a restore` });
    } else {
      // Missing below the highest file, future above it: ignoreMigrationPatterns (default *:future) says which passes.
      const state = compareVersions(parts, maxResolved) < 0 ? 'missing' : 'future';
      if (!ignores(patterns, true, state)) invalid.push(`Detected applied migration not resolved locally: ${row.version} (${row.script}; Flyway's state: ${state}, not in ignoreMigrationPatterns ${patternList(patterns)})`);
      applied.push({ name: stemOf(path.posix.basename(row.script), location.naming), row, migration: null, down: 'missing' });
    }
  }
  const outdated: FlywayState['outdated'] = [];
  for (const row of byDescription.values()) {
    const file = repeatables.find((m) => m.description === row.description) ?? null;
    if (!file) {
      if (!ignores(patterns, false, 'missing')) invalid.push(`Detected applied migration not resolved locally: repeatable "${row.description}" (${row.script}; Flyway's state: missing, not in ignoreMigrationPatterns ${patternList(patterns)})`);
    }
    else {
      // ResolvedMigrationImpl.checksumMatches: the checksum now, or the file's own (the "equivalent" one).
      const now = checksums.get(file.path);
      if (now !== undefined && now.checksum !== row.checksum && now.equivalent !== row.checksum) outdated.push({ migration: file, row, now: now.checksum });
    }
    applied.push({ name: file?.name ?? stemOf(path.posix.basename(row.script), location.naming), row, migration: file, down: 'missing', downNote: file?.downNote ?? 'a repeatable migration whose script is gone' });
  }
  applied.sort((a, b) => a.row.installedRank - b.row.installedRank);

  // context.lastApplied: the highest version applied (the baseline included).
  const top = [...byVersion.values()].reduce<HistoryRow | null>((max, r) => (max === null || compareVersions(versionParts(r.version!), versionParts(max.version!)) > 0 ? r : max), null);
  const skipped: FlywayState['skipped'] = [];
  // A database without history gets the latest baseline migration (context.pendingBaseline) instead of the versions at or below it.
  const pendingBaseline = top === null && baseline === null ? (location.baselines.at(-1) ?? null) : null;
  const baselineParts = baseline?.version ? versionParts(baseline.version) : (pendingBaseline?.parts ?? null);
  const notApplied = versioned.filter((m) => {
    if (byVersion.has(keyOf(m.version!))) return false;
    if (baselineParts === null || compareVersions(m.parts, baselineParts) > 0) return true;
    if (pendingBaseline) skipped.push({ migration: m, reason: `at or below the baseline migration ${pendingBaseline.name}, which Flyway's migrate applies instead to a database without history`, hint: `Move ${pendingBaseline.script} out of the migrations directory to have Flyway and dbrollback apply the versions one by one. Nothing was changed.` });
    return false;
  });
  if (pendingBaseline) notApplied.push(pendingBaseline);
  notApplied.sort((a, b) => compareVersions(a.parts, b.parts));
  let targetProblem: string | null = null;
  // MigrationInfoServiceImpl.refresh: target current is the applied head; a version no migration has stops Flyway unless written <version>?.
  const targetParts = target.kind === 'version' ? target.parts : target.kind === 'current' ? (top ? versionParts(top.version!) : null) : undefined;
  if (target.kind === 'version' && target.failOnMissing) {
    const known = [...versioned.map((m) => m.parts), ...location.baselines.map((m) => m.parts), ...[...byVersion.values()].map((r) => versionParts(r.version!))];
    if (!known.some((p) => compareVersions(p, target.parts) === 0)) {
      targetProblem = `No migration with a target version ${target.version} could be found (target = ${target.raw}, in ${target.from}): Flyway stops there, and so does dbrollback`;
    }
  }
  const targetHint = (t: Exclude<FlywayTarget, { kind: 'latest' }>) => `Raise or remove target in the Flyway configuration (${t.from}) to have Flyway and dbrollback apply it. Nothing was changed.`;
  const pendingVersioned: FlywayMigration[] = [];
  for (const m of notApplied) {
    // BaselineResolvedMigration.getState: the pending baseline runs whatever the target.
    if (m === pendingBaseline) pendingVersioned.push(m);
    else if (target.kind !== 'latest' && target.kind !== 'next' && (targetParts === null || compareVersions(m.parts, targetParts!) > 0)) {
      skipped.push({ migration: m, reason: `above the target Flyway's configuration sets (target = ${target.raw}${target.kind === 'current' ? `, the applied version ${top?.version ?? '(none)'}` : ''}, in ${target.from}): Flyway's migrate does not apply it`, hint: targetHint(target) });
    } else if (!options.outOfOrder && top && compareVersions(m.parts, versionParts(top.version!)) < 0) {
      // Flyway's "Ignored": never applied by migrate; its validate refuses it unless ignoreMigrationPatterns lets ignored ones pass.
      skipped.push({ migration: m, reason: `below the applied version ${top.version} and outOfOrder is false: Flyway's migrate does not apply it`, hint: 'Give it a version above the applied head, or set outOfOrder = true in the Flyway configuration to have Flyway and dbrollback apply it. Nothing was changed.' });
      if (!ignores(patterns, true, 'ignored')) {
        invalid.push(
          `Detected resolved migration not applied to database: ${m.version} (${m.script}), below the applied version ${top.version}. To allow executing this migration, set outOfOrder to true in the Flyway configuration ([flyway] outOfOrder = true in flyway.toml, flyway.outOfOrder=true in flyway.conf); to ignore it, add *:ignored to ignoreMigrationPatterns`,
        );
      }
    } else pendingVersioned.push(m);
  }
  // Repeatables never applied and those changed since (Outdated), in description order, after every versioned one.
  const pendingRepeatables = repeatables.filter((m) => !byDescription.has(m.description) || outdated.some((o) => o.migration === m));
  let pending = [...pendingVersioned, ...pendingRepeatables];
  if (target.kind === 'next' && pending.length > 1) {
    // DbMigrate.migrateAll: with target next, one migration and no more.
    for (const m of pending.slice(1)) skipped.push({ migration: m, reason: `target = ${target.raw} (in ${target.from}): Flyway's migrate applies only the next pending migration, ${pending[0]!.name}`, hint: targetHint(target) });
    pending = pending.slice(0, 1);
  }
  return { applied, pending, skipped, targetProblem, baseline, failed, outdated, invalid };
}

/** Row types Flyway counts as a baseline (MigrationType.isBaseline): its BASELINE marker and applied baseline migrations. */
export function isBaselineType(type: string): boolean {
  return type === 'BASELINE' || type === 'SQL_BASELINE' || type === 'JDBC_BASELINE';
}

function patternList(patterns: readonly IgnorePattern[]): string {
  return patterns.length > 0 ? patterns.map((p) => p.text).join(',') : '(none)';
}

/**
 * The other names a Flyway user gives a versioned migration: its version as
 * Flyway records it and takes it in `-target` (`1.1`), as the file writes it
 * (`1_1`) and with its prefix (`V1_1`) — so `--to 1.1` names V1_1__pet_types,
 * as `--to 3` names golang-migrate's 000003. None for a repeatable.
 */
export function versionTags(version: string | null, name: string, naming: FlywayNaming, undo: FlywayScript | null = null): string[] {
  if (version === null) return [];
  const cut = name.indexOf(naming.separator);
  const head = cut > 0 ? name.slice(0, cut) : '';
  // The prefix (V, B, or the project's sqlMigrationPrefix) is what precedes the version's first digit.
  const text = head.replace(/^\D+/, '');
  // Its undo script, as ls shows it (`U5__x.sql`) or without the suffix: it names the version it undoes, as a .down.sql names its up.
  const undoNames = undo ? [undo.name, path.posix.basename(undo.script)] : [];
  return [...new Set([version, ...(text !== '' && text !== head ? [text, head] : []), ...undoNames])];
}

/** As status shows it. */
export function toInfo(entry: AppliedEntry, naming: FlywayNaming): MigrationInfo {
  const tags = versionTags(entry.row.version, entry.name, naming, entry.migration?.undo ?? null);
  return {
    name: entry.name,
    path: entry.migration?.language === 'sql' ? entry.migration.path : null,
    applied: true,
    appliedAt: entry.row.installedOn,
    down: entry.down,
    ...(tags.length > 0 ? { tags } : {}),
    ...(entry.downNote ? { downNote: entry.downNote } : {}),
    // Flyway's undo takes back the latest versioned migration only: a repeatable stays, and migrate re-applies it when its script changes.
    ...(entry.row.version === null ? { staysApplied: REPEATABLE_STAYS } : {}),
  };
}

/** Why undo leaves an applied repeatable as it is (MigrationInfo.staysApplied). */
export const REPEATABLE_STAYS = 'a Flyway repeatable: migrate re-applies it when its script changes, and undo leaves it applied, as `flyway undo` does';

export function pendingInfo(m: FlywayMigration, naming: FlywayNaming): MigrationInfo {
  const tags = versionTags(m.version, m.name, naming, m.undo);
  // A Java migration has no SQL file to classify, and cannot be applied here.
  return {
    name: m.name,
    path: m.language === 'java' ? null : m.path,
    applied: false,
    appliedAt: null,
    down: m.down,
    ...(tags.length > 0 ? { tags } : {}),
    ...(m.downNote ? { downNote: m.downNote } : {}),
    ...(m.kind === 'repeatable' ? { staysApplied: REPEATABLE_STAYS } : {}),
    ...(m.language === 'java' ? { cannotRun: `${m.name} is a Java migration (class ${m.script}, ${m.path}): dbrollback runs SQL scripts only` } : {}),
  };
}

function keyOf(version: string): string {
  return versionParts(version).join('.');
}
