/**
 * Flyway's migration file names and versions, as Flyway 12 resolves them
 * (flyway-core: ResourceNameParser, MigrationInfoHelper.extractVersionAndDescription,
 * MigrationVersion): `V<version>__<description>.sql` (versioned),
 * `U<version>__<description>.sql` (undo, Flyway Teams) and
 * `R__<description>.sql` (repeatable) with the default naming; the
 * project's sqlMigrationPrefix, undoSqlMigrationPrefix,
 * repeatableSqlMigrationPrefix, sqlMigrationSeparator and
 * sqlMigrationSuffixes change them (FlywayNaming), read as ResourceNameParser
 * reads a name:
 *
 *  - the first configured suffix the name ends with is taken off;
 *  - the longest prefix the rest starts with decides the kind (a callback
 *    event's name, `beforeMigrate`..., counts as a prefix too: such a file is
 *    a callback, not a migration);
 *  - the rest splits at the first separator: before it the version (none
 *    for a repeatable), after it the description, underscores read as
 *    spaces; with no separator the whole rest is the version;
 *  - the version is recorded as that text with `_` read as `.` (V2_1 is
 *    version 2.1); versions compare numerically part by part, a missing part
 *    counting as 0 (1.10 comes after 1.9; 1.0 equals 1).
 *
 * A name with a migration prefix that is not a valid migration name (V1a__x,
 * V__x, R1__x) is ignored, as Flyway ignores it by default; with
 * validateMigrationNaming=true Flyway refuses it, and so does dbrollback.
 */
import { DbrollbackError } from '../../errors.js';

export type FlywayKind = 'versioned' | 'undo' | 'repeatable';

export interface FlywayName {
  kind: FlywayKind;
  /** The version as Flyway records it (`2.1` for V2_1), null for a repeatable. */
  version: string | null;
  /** Its numeric parts, trailing zeros dropped (empty for a repeatable). */
  parts: bigint[];
  description: string;
}

/** How a project names its migrations (Flyway's naming settings). */
export interface FlywayNaming {
  versionedPrefix: string;
  undoPrefix: string;
  repeatablePrefix: string;
  separator: string;
  /** Tried in order; the first one a name ends with is its suffix. */
  suffixes: readonly string[];
  /** validateMigrationNaming: refuse (true) or ignore (false, Flyway's default) a name with a migration prefix that is not valid. */
  validate: boolean;
}

export const DEFAULT_NAMING: FlywayNaming = { versionedPrefix: 'V', undoPrefix: 'U', repeatablePrefix: 'R', separator: '__', suffixes: ['.sql'], validate: false };

/** A callback event's name (flyway-core Event ids: beforeMigrate, afterEachUndoError, createSchema, ...): the prefix of a callback script. */
const CALLBACK_EVENT = /^(?:before|after|create)[A-Z][A-Za-z]*/;
const CALLBACK_START = /^(?:before|after|create)[A-Z]/;

export type NameReading =
  | { kind: 'migration'; name: FlywayName; suffix: string }
  | { kind: 'callback'; suffix: string }
  /** A migration prefix, but not a valid migration name: why, in Flyway's words. */
  | { kind: 'invalid'; reason: string }
  | { kind: 'other' };

const OTHER: NameReading = Object.freeze({ kind: 'other' });

/** The file name read as Flyway's ResourceNameParser reads it. */
export function readName(file: string, naming: FlywayNaming = DEFAULT_NAMING): NameReading {
  // Most names classify sees are no Flyway name at all (every tool's reader is asked about every file): told at once.
  if (!file.startsWith(naming.versionedPrefix) && !file.startsWith(naming.undoPrefix) && !file.startsWith(naming.repeatablePrefix) && !CALLBACK_START.test(file)) return OTHER;
  const suffix = naming.suffixes.find((s) => file.endsWith(s));
  if (suffix === undefined) return { kind: 'other' };
  const stem = file.slice(0, file.length - suffix.length);
  if (isCallback(stem, naming)) return { kind: 'callback', suffix };
  const prefixes: Array<[string, FlywayKind]> = [
    [naming.versionedPrefix, 'versioned'],
    [naming.undoPrefix, 'undo'],
    [naming.repeatablePrefix, 'repeatable'],
  ];
  // The longest prefix first, as Flyway sorts them (a stable sort: versioned, undo, repeatable among equals).
  const match = prefixes.filter(([p]) => p !== '' && stem.startsWith(p)).sort((a, b) => b[0].length - a[0].length)[0];
  if (!match) return { kind: 'other' };
  const [prefix, kind] = match;
  const rest = stem.slice(prefix.length);
  const at = rest.indexOf(naming.separator);
  const [rawVersion, rawDescription] = at >= 0 ? [rest.slice(0, at), rest.slice(at + naming.separator.length)] : [rest, ''];
  const description = rawDescription.replace(/_/g, ' ');
  const example = `${prefix}${kind === 'repeatable' ? '' : '1.2'}${naming.separator}${rawDescription || 'description'}${suffix}`;
  if (kind === 'repeatable') {
    if (rawVersion !== '') return { kind: 'invalid', reason: `Invalid repeatable migration name format: ${file} (It cannot contain a version and should look like this: ${example})` };
    return { kind: 'migration', name: { kind, version: null, parts: [], description }, suffix };
  }
  if (rawVersion === '') return { kind: 'invalid', reason: `Invalid versioned migration name format: ${file} (It must contain a version and should look like this: ${example})` };
  const version = rawVersion.replace(/_/g, '.');
  const parts = tryVersionParts(version);
  if (!parts) return { kind: 'invalid', reason: `Invalid versioned migration name format: ${file} (could not recognise version number ${rawVersion})` };
  return { kind: 'migration', name: { kind, version, parts, description }, suffix };
}

/** `<event>` or `<event><separator><description>` — unless a configured migration prefix longer than the event's name matches (Flyway sorts all prefixes by length). */
function isCallback(stem: string, naming: FlywayNaming): boolean {
  const event = CALLBACK_EVENT.exec(stem)?.[0];
  if (event === undefined) return false;
  const rest = stem.slice(event.length);
  if (rest !== '' && !rest.startsWith(naming.separator)) return false;
  return ![naming.versionedPrefix, naming.undoPrefix, naming.repeatablePrefix].some((p) => p.length > event.length && stem.startsWith(p));
}

/**
 * The file name read as Flyway reads it: null when it is not a migration name, or is an invalid one Flyway
 * ignores (validateMigrationNaming=false); refused when the naming says to validate.
 */
export function parseName(file: string, naming: FlywayNaming = DEFAULT_NAMING): FlywayName | null {
  const read = readName(file, naming);
  if (read.kind === 'migration') return read.name;
  if (read.kind === 'invalid' && naming.validate) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `${read.reason} (validateMigrationNaming=true)`, {
      hint: `Rename the file to a valid migration name, or move it out of the migrations directory; Flyway refuses it too while validateMigrationNaming is true. Nothing was run.`,
    });
  }
  return null;
}

/** The name without its suffix (`V4__rename_order_note` for V4__rename_order_note.sql): the migration's name in dbrollback. */
export function stemOf(file: string, naming: FlywayNaming = DEFAULT_NAMING): string {
  const suffix = naming.suffixes.find((s) => file.endsWith(s)) ?? '';
  return file.slice(0, file.length - suffix.length);
}

function tryVersionParts(version: string): bigint[] | null {
  try {
    return versionParts(version);
  } catch {
    return null;
  }
}

/** MigrationVersion.tokenize: parts split at a dot followed by a digit, trailing zero parts dropped (1.0 is 1). */
export function versionParts(version: string, file = version): bigint[] {
  const parts = version.split(/\.(?=\d)/).map((p) => {
    if (!/^\d+$/.test(p)) {
      throw new DbrollbackError('MIGRATIONS_INVALID', `${file}: invalid Flyway version "${version}" (only digits and . or _ between them are allowed)`, {
        hint: 'Name versioned migrations V<version>__<description>.sql, e.g. V1__init.sql or V1_1__add_column.sql. Nothing was run.',
      });
    }
    return BigInt(p);
  });
  while (parts.length > 1 && parts.at(-1) === 0n) parts.pop();
  return parts;
}

/** MigrationVersion.compareTo: part by part, a missing part is 0. */
export function compareVersions(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
