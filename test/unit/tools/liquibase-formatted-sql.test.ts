import { describe, expect, it } from 'vitest';
import { changeSetChecksum, checksumVersion } from '../../../src/tools/liquibase/checksum.js';
import { FormattedSqlError, isFormattedSql, parseFormattedSql } from '../../../src/tools/liquibase/formatted-sql.js';

const parse = (text: string) => parseFormattedSql(text, 'changelog.sql', '/p/changelog.sql');

describe('Liquibase formatted SQL, read as Liquibase 4.28 reads it', () => {
  it('recognises a changelog by its first non-blank line only', () => {
    expect(isFormattedSql('\n\n-- liquibase formatted sql\n')).toBe(true);
    expect(isFormattedSql('\uFEFF--liquibase formatted sql')).toBe(true);
    expect(isFormattedSql('SELECT 1;\n--liquibase formatted sql')).toBe(false);
  });

  it('keeps plain comments in the SQL, takes --comment, --rollback lines and a rollback block out, trims as Java does', () => {
    const { changeSets, needsLiquibase } = parse(
      '--liquibase formatted sql\n\n--changeset "ann smith":"id:1" runInTransaction:false splitStatements:false endDelimiter:/\n--comment: first\n-- keep me\nSELECT 1;\n--rollback SELECT 2;\n/* liquibase rollback\nSELECT 3;\n*/\n\n',
    );
    expect(needsLiquibase).toBeNull();
    expect(changeSets).toHaveLength(1);
    expect(changeSets[0]).toMatchObject({ author: 'ann smith', id: 'id:1', sql: '-- keep me\nSELECT 1;', comments: 'first', runInTransaction: false, splitStatements: false, endDelimiter: '/', line: 3 });
    expect(changeSets[0]!.rollback).toEqual({ kind: 'sql', sql: 'SELECT 2;\nSELECT 3;' });
  });

  it('reads "--rollback not required" and "empty" as a rollback that does nothing, and no rollback as none', () => {
    const { changeSets } = parse('--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n--rollback not required\n--changeset a:2\nSELECT 2;\n');
    expect(changeSets.map((c) => c.rollback.kind)).toEqual(['empty', 'none']);
  });

  it('names what only the real Liquibase can run', () => {
    expect(parse('--liquibase formatted sql\n--property name:x value:y\n--changeset a:1\nSELECT 1;\n').needsLiquibase).toContain('property');
    expect(parse('--liquibase formatted sql\n--changeset a:1 context:prod\nSELECT 1;\n').needsLiquibase).toContain('context:');
    expect(parse('--liquibase formatted sql\n--changeset a:1\n--preconditions onFail:MARK_RAN\n--precondition-sql-check expectedResult:0 SELECT 1\nSELECT 1;\n').needsLiquibase).toContain('preconditions');
    expect(parse('--liquibase formatted sql\n--changeset a:1\nSELECT ${x};\n').needsLiquibase).toContain('${...}');
  });

  it('takes the changeset and the file logicalFilePath as FILENAME', () => {
    const { changeSets } = parse('--liquibase formatted sql logicalFilePath:db/all.sql\n--changeset a:1\nSELECT 1;\n--changeset a:2 logicalFilePath:other.sql\nSELECT 2;\n');
    expect(changeSets.map((c) => c.filename)).toEqual(['db/all.sql', 'other.sql']);
  });

  it('refuses what Liquibase refuses: a changeset without SQL, a malformed --changeset line', () => {
    expect(() => parse('--liquibase formatted sql\n--changeset a:1\n--rollback SELECT 1;\n')).toThrow(FormattedSqlError);
    expect(() => parse('--liquibase formatted sql\n--changeset a1\nSELECT 1;\n')).toThrow(/cannot read/);
  });

  it('computes MD5SUM with checksum version 9: whitespace is not part of it, every other character is', () => {
    // Values written by the real Liquibase 4.28.0 for these changesets.
    expect(changeSetChecksum('ALTER TABLE customers ADD COLUMN phone text;')).toBe('9:2b32af88d7bfa71b98b92a11af623007');
    expect(changeSetChecksum('ALTER TABLE customers\n  ADD COLUMN phone\ttext;')).toBe('9:2b32af88d7bfa71b98b92a11af623007');
    expect(changeSetChecksum('ALTER TABLE customers ADD COLUMN phone text; ')).toBe(changeSetChecksum('ALTER TABLE customers ADD COLUMN phone text;'));
    expect(changeSetChecksum('alter TABLE customers ADD COLUMN phone text;')).not.toBe('9:2b32af88d7bfa71b98b92a11af623007');
    expect(checksumVersion('8:abc')).toBe(8);
    expect(checksumVersion(null)).toBeNull();
  });
});
