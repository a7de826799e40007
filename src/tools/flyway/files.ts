/**
 * A Flyway migrations location (a directory, searched recursively as Flyway
 * searches a filesystem location): its versioned migrations, their undo
 * scripts and its repeatable migrations. Files whose names are not Flyway
 * migration names are left alone, as Flyway leaves them (its default
 * `validateMigrationNaming=false`); two versioned migrations with the same
 * version, or two repeatables with the same description, are refused as
 * Flyway refuses them. A script's `<name>.sql.conf` may say
 * `executeInTransaction=false`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { hasSql } from '../../sql/sql-text.js';
import type { DownKind } from '../contract.js';
import { flywayChecksum } from './checksum.js';
import { compareVersions, parseName, type FlywayName } from './names.js';

export interface FlywayScript extends FlywayName {
  /** The file name without `.sql` (`V4__rename_order_note`): the migration's name in dbrollback. */
  name: string;
  /** Its path below the location with `/` separators, as the `script` column records it. */
  script: string;
  path: string;
}

export interface FlywayMigration extends FlywayScript {
  kind: 'versioned' | 'repeatable';
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
}

/** Flyway's SQL callbacks: a script named after an event (beforeMigrate, afterEachMigrate, beforeUndo, ...), with an optional `__description`. */
const CALLBACK = /^(before|after|create)[A-Z][A-Za-z]*(__.*)?\.sql$/;

export async function loadLocation(dir: string): Promise<FlywayLocation> {
  let files: string[];
  try {
    files = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((d) => (d.isFile() || d.isSymbolicLink()) && d.name.endsWith('.sql'))
      .map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the Flyway migrations directory ${dir}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at the directory that holds the V<version>__<description>.sql files (Flyway\'s location).',
      cause,
    });
  }
  const scripts: FlywayScript[] = [];
  const callbacks = files.filter((rel) => CALLBACK.test(path.basename(rel))).map((rel) => rel.split(path.sep).join('/'));
  for (const rel of files.sort()) {
    const parsed = parseName(path.basename(rel));
    if (parsed) scripts.push({ ...parsed, name: path.basename(rel, '.sql'), script: rel.split(path.sep).join('/'), path: path.join(dir, rel) });
  }
  const problems: string[] = [];
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
  if (problems.length > 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `invalid Flyway migrations in ${dir}:\n  - ${problems.join('\n  - ')}`, {
      hint: 'Give every versioned migration its own version and every repeatable its own description, as Flyway requires. Nothing was run.',
      details: { problems },
    });
  }
  const migrations: FlywayMigration[] = await Promise.all([
    ...versioned.map(async (v) => {
      const undo = undos.find((u) => compareVersions(u.parts, v.parts) === 0) ?? null;
      if (!undo) return { ...v, kind: 'versioned' as const, undo, down: 'missing' as const, downNote: `no U${v.version}__ undo script: Flyway Teams cannot undo version ${v.version}` };
      const text = await readFile(undo.path, 'utf8');
      return hasSql(text)
        ? { ...v, kind: 'versioned' as const, undo, down: 'yes' as const }
        : { ...v, kind: 'versioned' as const, undo, down: 'empty' as const, downNote: `its undo script ${undo.script} holds no SQL` };
    }),
    ...repeatables.map(async (r) => ({ ...r, kind: 'repeatable' as const, undo: null, down: 'missing' as const, downNote: 'a repeatable migration: Flyway has no undo for repeatables (change the R__ script and migrate again, or restore)' })),
  ]);
  return { dir, migrations, callbacks };
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
  const entries = await Promise.all(location.migrations.map(async (m) => [m.path, await readFile(m.path, 'utf8')] as const));
  return new Map(entries);
}
