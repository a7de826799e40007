/**
 * What flyway_schema_history says, read as Flyway's MigrationInfoService
 * reads it: which versions are applied (the last SQL row of a version, not
 * followed by an UNDO_SQL or DELETE row), the baseline, the repeatables
 * applied (their latest successful row) and whether they changed since, the
 * failed rows, and what Flyway's validate would refuse (a changed checksum
 * or description, an applied migration gone from disk, a pending version
 * below an applied one).
 */
import path from 'node:path';
import type { DownKind, MigrationInfo } from '../contract.js';
import { flywayChecksum } from './checksum.js';
import type { FlywayLocation, FlywayMigration } from './files.js';
import { abbreviateDescription, type HistoryRow } from './history.js';
import { compareVersions, versionParts } from './names.js';

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
  /** In Flyway's apply order: versioned by version, then repeatables never applied. */
  pending: FlywayMigration[];
  baseline: HistoryRow | null;
  failed: HistoryRow[];
  /** Applied repeatables whose script changed since (Flyway's "Outdated"). */
  outdated: Array<{ migration: FlywayMigration; row: HistoryRow; now: number }>;
  /** What Flyway's validate refuses, in its words. */
  invalid: string[];
}

/** The history read against the files; `texts`: the applied files' text by path (validate compares their checksums). */
export function stateOf(location: FlywayLocation, rows: readonly HistoryRow[], texts: ReadonlyMap<string, string>): FlywayState {
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
    if (row.type === 'BASELINE') baseline = row;
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
    if (row.type === 'BASELINE') {
      applied.push({ name: file?.name ?? `baseline-${row.version}`, row, migration: file, down: 'missing', downNote: `the baseline Flyway recorded (version ${row.version}): the schema from before Flyway's history, which nothing undoes` });
      continue;
    }
    if (file) {
      const text = texts.get(file.path);
      const now = text === undefined ? null : flywayChecksum(text);
      if (now !== null && row.checksum !== null && now !== row.checksum) {
        invalid.push(`Migration checksum mismatch for migration version ${row.version}: applied to database ${row.checksum}, resolved locally ${now} (${file.script})`);
      } else if (row.description !== abbreviateDescription(file.description)) {
        invalid.push(`Migration description mismatch for migration version ${row.version}: applied to database "${row.description}", resolved locally "${file.description}"`);
      }
      applied.push({ name: file.name, row, migration: file, down: file.down, ...(file.downNote ? { downNote: file.downNote } : {}) });
    } else {
      // Flyway's default ignoreMigrationPatterns (*:future) lets a version above every file pass.
      if (compareVersions(parts, maxResolved) <= 0) invalid.push(`Detected applied migration not resolved locally: ${row.version} (${row.script})`);
      applied.push({ name: path.posix.basename(row.script).replace(/\.sql$/, ''), row, migration: null, down: 'missing' });
    }
  }
  const outdated: FlywayState['outdated'] = [];
  for (const row of byDescription.values()) {
    const file = repeatables.find((m) => m.description === row.description) ?? null;
    if (!file) invalid.push(`Detected applied migration not resolved locally: repeatable "${row.description}" (${row.script})`);
    else {
      const text = texts.get(file.path);
      const now = text === undefined ? null : flywayChecksum(text);
      if (now !== null && now !== row.checksum) outdated.push({ migration: file, row, now });
    }
    applied.push({ name: file?.name ?? path.posix.basename(row.script).replace(/\.sql$/, ''), row, migration: file, down: 'missing', downNote: file?.downNote ?? 'a repeatable migration whose script is gone' });
  }
  applied.sort((a, b) => a.row.installedRank - b.row.installedRank);

  const baselineParts = baseline?.version ? versionParts(baseline.version) : null;
  const pendingVersioned = versioned.filter((m) => !byVersion.has(keyOf(m.version!)) && (baselineParts === null || compareVersions(m.parts, baselineParts) > 0));
  // Flyway's validate refuses a pending version below the highest applied one (unless outOfOrder).
  const top = [...byVersion.values()].reduce<HistoryRow | null>((max, r) => (max === null || compareVersions(versionParts(r.version!), versionParts(max.version!)) > 0 ? r : max), null);
  for (const m of pendingVersioned) {
    if (top && compareVersions(m.parts, versionParts(top.version!)) < 0) invalid.push(`Detected resolved migration not applied to database: ${m.version} (${m.script}), below the applied version ${top.version}`);
  }
  const pendingRepeatables = repeatables.filter((m) => !byDescription.has(m.description));
  return { applied, pending: [...pendingVersioned, ...pendingRepeatables], baseline, failed, outdated, invalid };
}

/** As status shows it. */
export function toInfo(entry: AppliedEntry): MigrationInfo {
  return {
    name: entry.name,
    path: entry.migration?.path ?? null,
    applied: true,
    appliedAt: entry.row.installedOn,
    down: entry.down,
    ...(entry.downNote ? { downNote: entry.downNote } : {}),
  };
}

export function pendingInfo(m: FlywayMigration): MigrationInfo {
  return { name: m.name, path: m.path, applied: false, appliedAt: null, down: m.down, ...(m.downNote ? { downNote: m.downNote } : {}) };
}

function keyOf(version: string): string {
  return versionParts(version).join('.');
}
