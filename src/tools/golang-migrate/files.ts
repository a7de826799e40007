/**
 * A golang-migrate source directory, read as golang-migrate v4's file source
 * reads it (source/parse.go, v4.18): every file named
 * `VERSION_TITLE.up.EXT` or `VERSION_TITLE.down.EXT` is a migration part,
 * VERSION an unsigned integer (unpadded `1`, `10`, padded `000001`, or a
 * timestamp); an up and a down belong together by VERSION alone, whatever
 * their titles say; other files are ignored. Versions apply in numeric order.
 * Two ups (or two downs) of one version are refused, as golang-migrate
 * refuses them ("duplicate migration file").
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import type { DownKind } from '../contract.js';
import { downKindOf } from '../sql/files.js';

/** golang-migrate's file name pattern (source.Regex, v4): version, title, direction, extension. */
export const GOLANG_MIGRATE_FILE = /^([0-9]+)_(.*)\.(down|up)\.(.*)$/;

export interface GolangMigration {
  version: bigint;
  /** The version as its file writes it (`000003` for `migrate create -seq`'s padded names, `3` unpadded). */
  versionText: string;
  /** The name dbrollback shows: the up file's name without `.up.EXT` (the down's when there is no up). */
  name: string;
  upPath: string | null;
  downPath: string | null;
  down: DownKind;
  downNote?: string;
}

export async function loadGolangMigrateDir(dir: string): Promise<GolangMigration[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the migrations directory ${dir}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at the directory that holds the VERSION_name.up.sql files (golang-migrate\'s -path).',
      cause,
    });
  }
  const byVersion = new Map<bigint, { up?: string; down?: string }>();
  const problems: string[] = [];
  for (const file of entries.sort()) {
    const match = GOLANG_MIGRATE_FILE.exec(file);
    if (!match) continue;
    const version = BigInt(match[1]!);
    const direction = match[3] as 'up' | 'down';
    const parts = byVersion.get(version) ?? {};
    if (parts[direction] !== undefined) {
      problems.push(`${file}: duplicate migration file (version ${version} already has ${parts[direction]})`);
      continue;
    }
    parts[direction] = file;
    byVersion.set(version, parts);
  }
  if (problems.length > 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `invalid golang-migrate migrations in ${dir}:\n  - ${problems.join('\n  - ')}`, {
      hint: 'golang-migrate refuses two up (or two down) files of one version too: renumber or remove the files named above.',
      details: { problems },
    });
  }
  const versions = [...byVersion.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    versions.map(async (version) => {
      const { up, down } = byVersion.get(version)!;
      const name = baseOf((up ?? down)!);
      const versionText = GOLANG_MIGRATE_FILE.exec((up ?? down)!)![1]!;
      const upPath = up ? path.join(dir, up) : null;
      const downPath = down ? path.join(dir, down) : null;
      if (!downPath) {
        // golang-migrate would "undo" it by moving the version back and running nothing; dbrollback refuses instead.
        return { version, versionText, name, upPath, downPath, down: 'missing' as const, downNote: `version ${version} has no .down file (golang-migrate would only move its version back, running nothing)` };
      }
      return { version, versionText, name, upPath, downPath, down: downKindOf(await readFile(downPath, 'utf8')) };
    }),
  );
}

/** `001_create-tables.up.sql` → `001_create-tables`. */
export function baseOf(file: string): string {
  return path.basename(file).replace(/\.(up|down)\.[^.]*$/, '');
}

/** golang-migrate's version of a file name, or null when golang-migrate does not read it. */
export function versionOf(file: string): bigint | null {
  const match = GOLANG_MIGRATE_FILE.exec(path.basename(file));
  return match ? BigInt(match[1]!) : null;
}
