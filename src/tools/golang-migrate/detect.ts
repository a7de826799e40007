/**
 * A golang-migrate project: its directory holds `VERSION_name.up.sql` /
 * `VERSION_name.down.sql` files. dbrollback's own plain SQL format reads the
 * same names, so the files alone tell the two apart only when they show
 * something one of them cannot be: an up and a down of one version with
 * different names, or a version with only a down (golang-migrate pairs by
 * version; the plain format refuses both), or dbrollback's own
 * `-- dbrollback:` markers (the plain format's, which golang-migrate never
 * writes). Otherwise both match and the history table in the database
 * decides (`schema_migrations (version, dirty)` here, `dbrollback_migrations`
 * there); on a database that holds neither, the folder is refused naming
 * both (say --migrator golang-migrate).
 */
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { GOLANG_MIGRATE_FILE } from './files.js';

const SQL_PART = /^([0-9]+)_(.*)\.(up|down)\.sql$/i;
const DBROLLBACK_MARKER = /^\s*--\s*dbrollback:(irreversible|no-transaction)\s*$/im;

export async function detectGolangMigrate(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const parts = evidence.files.filter((n) => SQL_PART.test(n) && GOLANG_MIGRATE_FILE.test(n));
  if (parts.length === 0) return null;
  const pairedByVersion = versionOnlyPairing(parts);
  if (pairedByVersion !== null) return { by: 'files', reason: `the directory holds VERSION_name.up.sql / .down.sql files paired by version (${pairedByVersion})` };
  for (const name of parts) {
    if (DBROLLBACK_MARKER.test(await evidence.read(name))) return null;
  }
  return { by: 'files', reason: `the directory holds VERSION_name.up.sql / .down.sql files (${parts[0]})` };
}

/**
 * A down whose version has an up of another name, or no up at all: a folder
 * only golang-migrate reads. Returns the down's file name, or null.
 */
export function versionOnlyPairing(files: readonly string[]): string | null {
  // Every up's name by version: two ups of one version (which golang-migrate refuses) leave a down of either name explained by its name.
  const ups = new Map<bigint, Set<string>>();
  for (const f of files) {
    const m = SQL_PART.exec(f);
    if (m?.[3]!.toLowerCase() !== 'up') continue;
    const version = BigInt(m[1]!);
    ups.set(version, (ups.get(version) ?? new Set()).add(m[2]!));
  }
  for (const f of files) {
    const m = SQL_PART.exec(f);
    if (m?.[3]!.toLowerCase() !== 'down') continue;
    if (!ups.get(BigInt(m[1]!))?.has(m[2]!)) return f;
  }
  return null;
}
