/**
 * A Flyway migrations location (a directory, searched recursively as Flyway
 * searches a filesystem location): its versioned migrations, their undo
 * scripts and its repeatable migrations. Files whose names are not Flyway
 * migration names are left alone, as Flyway leaves them; a name with a
 * migration prefix that is not valid (V1a__x.sql) is ignored as Flyway's
 * default `validateMigrationNaming=false` ignores it, and listed so status
 * can say so (refused with `validateMigrationNaming=true`). The project's
 * naming settings (names.ts) say which names are migrations; two versioned migrations with the same
 * version, or two repeatables with the same description, are refused as
 * Flyway refuses them. A script's `<name>.sql.conf` may say
 * `executeInTransaction=false`. Baseline migrations
 * (`B<version>__<description>.sql`, Flyway's baselineMigrationPrefix) are
 * listed apart: state.ts decides when one runs.
 *
 * Java migrations (`V<version>__<Description>.java`, or `.kt`: classes that
 * implement Flyway's JavaMigration, found on the application's classpath)
 * are listed as versioned migrations dbrollback cannot run: in the
 * directory itself, and — for a Maven/Gradle layout where the SQL scripts
 * sit in `src/main/resources/<package>` — in `src/main/java/<package>` and
 * `src/main/kotlin/<package>`, where Flyway's default `db/migration` location
 * finds both. Flyway records one as type JDBC, its script the class's full
 * name and no checksum (JavaMigration.getChecksum is null by default).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { hasSql } from '../../sql/sql-text.js';
import type { DownKind } from '../contract.js';
import { flywayChecksum } from './checksum.js';
import { compareVersions, DEFAULT_NAMING, readName, stemOf, versionParts, type FlywayName, type FlywayNaming } from './names.js';

export interface FlywayScript extends FlywayName {
  /** The file name without `.sql` (`V4__rename_order_note`): the migration's name in dbrollback. */
  name: string;
  /** Its path below the location with `/` separators, as the `script` column records it. */
  script: string;
  path: string;
}

export interface FlywayMigration extends FlywayScript {
  kind: 'versioned' | 'repeatable';
  /** `java`: a class dbrollback cannot run (its source file is `path`, `script` its class name). */
  language: 'sql' | 'java';
  /** A baseline migration (`B<version>__x.sql`): the whole schema at its version, applied only to a database without history, recorded as SQL_BASELINE. */
  baseline?: true;
  /** The version's undo script (Flyway Teams), if there is one. */
  undo: FlywayScript | null;
  down: DownKind;
  downNote?: string;
}

export interface FlywayLocation {
  dir: string;
  /** Versioned migrations in version order, then repeatables in description order: Flyway's apply order. */
  migrations: FlywayMigration[];
  /** SQL callback scripts (`afterMigrate.sql`, `beforeEachUndo__x.sql`, ...): Flyway runs them around its commands, dbrollback does not. */
  callbacks: string[];
  /** Names with a migration prefix that are not valid migration names, with Flyway's reason: ignored, as Flyway ignores them. */
  ignored: string[];
  /** The naming the location was read with (for messages that name a script to write). */
  naming: FlywayNaming;
  /** Baseline migrations (`B<version>__<description>.sql`, baselineMigrationPrefix), in version order: Flyway applies the latest one to a database without history, skipping the versions at or below it. */
  baselines: FlywayMigration[];
}

export async function loadLocation(dir: string, naming: FlywayNaming = DEFAULT_NAMING, baselinePrefix = 'B'): Promise<FlywayLocation> {
  let files: string[];
  try {
    files = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((d) => (d.isFile() || d.isSymbolicLink()) && naming.suffixes.some((suffix) => d.name.endsWith(suffix)))
      .map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the Flyway migrations directory ${dir}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at the directory that holds the V<version>__<description>.sql files (Flyway\'s location).',
      cause,
    });
  }
  const scripts: FlywayScript[] = [];
  const callbacks: string[] = [];
  const ignored: string[] = [];
  const problems: string[] = [];
  const baselineScripts: FlywayScript[] = [];
  const asBaseline: FlywayNaming = { ...naming, versionedPrefix: baselinePrefix, validate: false };
  for (const rel of files.sort()) {
    const base = path.basename(rel);
    const script = rel.split(path.sep).join('/');
    const read = readName(base, naming);
    if (read.kind === 'callback') callbacks.push(script);
    else if (read.kind === 'invalid') (naming.validate ? problems : ignored).push(read.reason);
    else if (read.kind === 'migration') scripts.push({ ...read.name, name: stemOf(base, naming), script, path: path.join(dir, rel) });
    else if (read.kind === 'other' && base.startsWith(baselinePrefix)) {
      const b = readName(base, asBaseline);
      if (b.kind === 'migration' && b.name.kind === 'versioned') baselineScripts.push({ ...b.name, name: stemOf(base, naming), script, path: path.join(dir, rel) });
    }
  }
  const versioned = scripts.filter((s) => s.kind === 'versioned').sort((a, b) => compareVersions(a.parts, b.parts));
  versioned.forEach((s, i) => {
    const next = versioned[i + 1];
    if (next && compareVersions(s.parts, next.parts) === 0) problems.push(`Found more than one migration with version ${s.version} (${s.script}, ${next.script})`);
  });
  const undos = scripts.filter((s) => s.kind === 'undo');
  const repeatables = scripts.filter((s) => s.kind === 'repeatable').sort((a, b) => (a.description < b.description ? -1 : a.description > b.description ? 1 : 0));
  repeatables.forEach((s, i) => {
    const next = repeatables[i + 1];
    if (next && next.description === s.description) problems.push(`Found more than one repeatable migration with description "${s.description}" (${s.script}, ${next.script})`);
  });
  const java = await javaMigrations(dir);
  for (const j of java) {
    const same = versioned.find((v) => compareVersions(v.parts, j.parts) === 0);
    if (same) problems.push(`Found more than one migration with version ${j.version} (${same.script}, ${path.relative(dir, j.path) || j.path})`);
  }
  if (problems.length > 0) throw invalidLocation(dir, problems, naming);
  const allVersioned = [...versioned.map((v) => ({ ...v, language: 'sql' as const })), ...java].sort((a, b) => compareVersions(a.parts, b.parts));
  const migrations: FlywayMigration[] = await Promise.all([
    ...allVersioned.map(async (v) => {
      const undo = undos.find((u) => compareVersions(u.parts, v.parts) === 0) ?? null;
      const javaNote = v.language === 'java' ? `a Java migration (class ${v.script}), which dbrollback cannot run or undo: ` : '';
      if (!undo) return { ...v, kind: 'versioned' as const, undo, down: 'missing' as const, downNote: `${javaNote}no ${naming.undoPrefix}${v.version}${naming.separator} undo script: Flyway Teams cannot undo version ${v.version}; the way back is a restore` };
      const text = await readFile(undo.path, 'utf8');
      return hasSql(text)
        ? { ...v, kind: 'versioned' as const, undo, down: 'yes' as const }
        : { ...v, kind: 'versioned' as const, undo, down: 'empty' as const, downNote: `its undo script ${undo.script} holds no SQL` };
    }),
    ...repeatables.map(async (r) => ({
      ...r,
      kind: 'repeatable' as const,
      language: 'sql' as const,
      undo: null,
      down: 'missing' as const,
      downNote: `a repeatable migration: Flyway Teams undoes versioned migrations only (no ${naming.undoPrefix} script can name a repeatable); the way back is a restore, or a changed ${naming.repeatablePrefix}${naming.separator} script migrated again`,
    })),
  ]);
  const baselines: FlywayMigration[] = baselineScripts
    .sort((a, b) => compareVersions(a.parts, b.parts))
    .map((b) => ({ ...b, kind: 'versioned' as const, language: 'sql' as const, baseline: true as const, undo: null, down: 'missing' as const, downNote: `a baseline migration (the whole schema at version ${b.version}): nothing undoes it; the way back is a restore` }));
  baselines.forEach((b, i) => {
    const next = baselines[i + 1];
    if (next && compareVersions(b.parts, next.parts) === 0) problems.push(`Found more than one baseline migration with version ${b.version} (${b.script}, ${next.script})`);
  });
  if (problems.length > 0) throw invalidLocation(dir, problems, naming);
  return { dir, migrations, callbacks, ignored, naming, baselines };
}

function invalidLocation(dir: string, problems: string[], naming: FlywayNaming): DbrollbackError {
  return new DbrollbackError('MIGRATIONS_INVALID', `invalid Flyway migrations in ${dir}:\n  - ${problems.join('\n  - ')}`, {
    hint: `Give every versioned migration (SQL or Java) its own version and every repeatable its own description, and every file named as a migration a valid name${naming.validate ? ' (validateMigrationNaming=true)' : ''}, as Flyway requires. Nothing was run.`,
    details: { problems },
  });
}

const JAVA_NAME = /^V(.+?)__(.+)\.(java|kt)$/;

/** Java/Kotlin migration classes in the directory, and in the source tree beside a Maven/Gradle resources directory. */
async function javaMigrations(dir: string): Promise<Array<FlywayScript & { language: 'java' }>> {
  const roots = [dir];
  const layout = /^(.*)[\\/]src[\\/]main[\\/]resources(?:[\\/](.*))?$/.exec(path.resolve(dir));
  if (layout) for (const lang of ['java', 'kotlin']) roots.push(path.join(layout[1]!, 'src', 'main', lang, layout[2] ?? ''));
  const out: Array<FlywayScript & { language: 'java' }> = [];
  for (const root of roots) {
    let entries;
    try {
      entries = await readdir(root, { recursive: true, withFileTypes: true });
    } catch {
      // No such source tree: nothing to list.
      continue;
    }
    for (const d of entries) {
      const m = JAVA_NAME.exec(d.name);
      if (!m || !(d.isFile() || d.isSymbolicLink())) continue;
      const file = path.join(d.parentPath, d.name);
      const text = await readFile(file, 'utf8').catch(() => '');
      // The class's full name, as Flyway records it in the script column: its package and its simple name.
      const pkg = /^\s*package\s+([\w.]+)\s*;?/m.exec(text)?.[1];
      const simple = d.name.replace(/\.(java|kt)$/, '');
      const version = m[1]!.replace(/_/g, '.');
      out.push({ kind: 'versioned', version, parts: versionParts(version, d.name), description: m[2]!.replace(/_/g, ' '), name: simple, script: pkg ? `${pkg}.${simple}` : simple, path: file, language: 'java' });
    }
  }
  return out;
}

export async function readScript(s: FlywayScript): Promise<{ text: string; checksum: number }> {
  const text = await readFile(s.path, 'utf8');
  return { text, checksum: flywayChecksum(text) };
}

/** The script configuration `<script>.conf` says executeInTransaction=false. */
export function configuredOutsideTransaction(scriptPath: string): boolean {
  const conf = `${scriptPath}.conf`;
  if (!existsSync(conf)) return false;
  return /^\s*executeInTransaction\s*=\s*false\s*$/im.test(readFileSync(conf, 'utf8'));
}

/** Every migration file's text by path (validate compares the applied ones' checksums). */
export async function readTexts(location: FlywayLocation): Promise<Map<string, string>> {
  const entries = await Promise.all([...location.migrations, ...location.baselines].filter((m) => m.language === 'sql').map(async (m) => [m.path, await readFile(m.path, 'utf8')] as const));
  return new Map(entries);
}
