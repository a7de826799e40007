/** Flyway's file names, versions and checksums (pure logic; the rows they go into are tested against a real server in test/integration/tools/flyway.test.ts). */
import { describe, expect, it } from 'vitest';
import { flywayChecksum } from '../../../src/tools/flyway/checksum.js';
import { javaHashCode } from '../../../src/tools/flyway/history.js';
import { compareVersions, DEFAULT_NAMING, parseName, readName, stemOf, versionParts } from '../../../src/tools/flyway/names.js';

describe('Flyway names', () => {
  it('reads V/U/R names as Flyway does: version text with _ as ., description with _ as spaces', () => {
    expect(parseName('V2_1__create_audit_log.sql')).toEqual({ kind: 'versioned', version: '2.1', parts: [2n, 1n], description: 'create audit log' });
    expect(parseName('U1.10__index_x.sql')).toMatchObject({ kind: 'undo', version: '1.10', parts: [1n, 10n] });
    expect(parseName('R__account_names.sql')).toEqual({ kind: 'repeatable', version: null, parts: [], description: 'account names' });
    expect(parseName('V001__init.sql')).toMatchObject({ version: '001', parts: [1n] });
    for (const other of ['001_init.up.sql', 'V1_init.sql', 'R1__x.sql', 'V__x.sql', 'v1__x.sql', 'V1__x.txt', 'V1a__x.sql', 'beforeMigrate.sql', 'afterEachUndo__log.sql']) expect(parseName(other)).toBeNull();
    // No separator: the whole rest is the version, the description empty (ResourceNameParser.splitAtSeparator).
    expect(parseName('V7.sql')).toEqual({ kind: 'versioned', version: '7', parts: [7n], description: '' });
  });

  it('tells a callback, an invalid migration name (with Flyway\'s reason) and another file apart', () => {
    expect(readName('afterMigrate.sql')).toEqual({ kind: 'callback', suffix: '.sql' });
    expect(readName('beforeEachUndo__audit.sql')).toEqual({ kind: 'callback', suffix: '.sql' });
    expect(readName('V1a__x.sql')).toEqual({ kind: 'invalid', reason: 'Invalid versioned migration name format: V1a__x.sql (could not recognise version number 1a)' });
    expect(readName('V__x.sql')).toEqual({ kind: 'invalid', reason: 'Invalid versioned migration name format: V__x.sql (It must contain a version and should look like this: V1.2__x.sql)' });
    expect(readName('R1__x.sql')).toEqual({ kind: 'invalid', reason: 'Invalid repeatable migration name format: R1__x.sql (It cannot contain a version and should look like this: R__x.sql)' });
    expect(readName('schema.sql')).toEqual({ kind: 'other' });
    expect(readName('V1__x.txt')).toEqual({ kind: 'other' });
  });

  it('refuses an invalid migration name under validateMigrationNaming=true, as Flyway does', () => {
    const strict = { ...DEFAULT_NAMING, validate: true };
    expect(() => parseName('V1a__x.sql', strict)).toThrow(/could not recognise version number 1a\) \(validateMigrationNaming=true\)/);
    expect(parseName('notes.sql', strict)).toBeNull();
  });

  it('reads the project\'s naming: prefixes, separator and suffixes, the longest prefix first', () => {
    const naming = { versionedPrefix: 'migration-', undoPrefix: 'undo-', repeatablePrefix: 'repeatable-', separator: '--', suffixes: ['.psql', '.sql'], validate: false };
    expect(parseName('migration-2_1--add_index.psql', naming)).toEqual({ kind: 'versioned', version: '2.1', parts: [2n, 1n], description: 'add index' });
    expect(parseName('undo-2_1--add_index.sql', naming)).toMatchObject({ kind: 'undo', version: '2.1' });
    expect(parseName('repeatable---views.psql', naming)).toEqual({ kind: 'repeatable', version: null, parts: [], description: 'views' });
    expect(parseName('V1__x.sql', naming)).toBeNull();
    expect(stemOf('migration-2_1--add_index.psql', naming)).toBe('migration-2_1--add_index');
    // Prefixes that start alike: the longer one wins (Flyway sorts its prefixes by length).
    const nested = { ...DEFAULT_NAMING, versionedPrefix: 'V', repeatablePrefix: 'VR' };
    expect(parseName('VR__views.sql', nested)).toMatchObject({ kind: 'repeatable', description: 'views' });
    expect(parseName('V3__x.sql', nested)).toMatchObject({ kind: 'versioned', version: '3' });
    // A migration prefix longer than a callback event's name wins over it.
    expect(readName('afterMigrateV1__x.sql', { ...DEFAULT_NAMING, versionedPrefix: 'afterMigrateV' })).toMatchObject({ kind: 'migration', name: { version: '1' } });
  });

  it('compares versions as numbers part by part: 1.9 < 1.10 < 2 = 2.0 < 2.0.1', () => {
    const sorted = ['2.0.1', '1.10', '2', '1.9', '1'].map((v) => versionParts(v)).sort(compareVersions);
    expect(sorted).toEqual([[1n], [1n, 9n], [1n, 10n], [2n], [2n, 0n, 1n]]);
    expect(compareVersions(versionParts('2.0'), versionParts('2'))).toBe(0);
  });
});

describe('Flyway checksum', () => {
  it('is the CRC-32 of the lines without their breaks, as a signed int: the standard CRC-32 check value of "123456789" (0xCBF43926), whatever the line endings or a BOM', () => {
    // 0xCBF43926 = 3421780262; as a Java int: 3421780262 - 2^32.
    const check = 3421780262 - 2 ** 32;
    expect(flywayChecksum('123456789')).toBe(check);
    expect(flywayChecksum('12345\r\n6789\n')).toBe(check);
    expect(flywayChecksum('\uFEFF1234\r56789\r\n\r\n')).toBe(check);
    expect(flywayChecksum('')).toBe(0);
  });

  it('Java\'s String.hashCode (for Flyway\'s lock key): "" is 0, "a" is 97, "ab" is 31*97+98', () => {
    expect([javaHashCode(''), javaHashCode('a'), javaHashCode('ab')]).toEqual([0, 97, 31 * 97 + 98]);
  });
});
