/**
 * Flyway's migration file names and versions, as Flyway 12 resolves them
 * (flyway-core: ResourceNameParser, MigrationInfoHelper.extractVersionAndDescription,
 * MigrationVersion): `V<version>__<description>.sql` (versioned),
 * `U<version>__<description>.sql` (undo, Flyway Teams) and
 * `R__<description>.sql` (repeatable), with the default prefixes, separator
 * `__` and suffix `.sql`.
 *
 *  - the version is the text between the prefix and the first `__`, with
 *    `_` read as `.` (V2_1 is version 2.1); it is recorded as that text;
 *  - versions compare numerically part by part, a missing part counting as
 *    0 (1.10 comes after 1.9; 1.0 equals 1);
 *  - the description is the text after `__`, underscores read as spaces.
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

const NAME = /^([VUR])(.*?)__(.*)\.sql$/;

/** The file name read as Flyway reads it; null when it is not a Flyway migration name. Throws for a V/U name whose version is not a number. */
export function parseName(file: string): FlywayName | null {
  const match = NAME.exec(file);
  if (!match) return null;
  const [, prefix, rawVersion, rawDescription] = match as unknown as [string, 'V' | 'U' | 'R', string, string];
  const description = rawDescription.replace(/_/g, ' ');
  if (prefix === 'R') return rawVersion === '' ? { kind: 'repeatable', version: null, parts: [], description } : null;
  if (rawVersion === '') return null;
  const version = rawVersion.replace(/_/g, '.');
  return { kind: prefix === 'V' ? 'versioned' : 'undo', version, parts: versionParts(version, file), description };
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
