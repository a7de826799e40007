import { beforeAll, describe, expect, it } from 'vitest';
import { DbrollbackError } from '../../../src/errors.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';
import { scanComments, skipTrivia } from '../../../src/sql/sql-lexer.js';

beforeAll(async () => {
  await initParser();
});

describe('parseSql', () => {
  it('splits statements with their exact text and the line of their first token, after leading comments', () => {
    const { statements } = parseSql('-- header\n\nCREATE TABLE a (id int);\n/* block */ ALTER TABLE a\n  ADD COLUMN b text;\nSELECT 1');
    expect(statements.map((s) => [s.kind, s.line, s.column, s.sql])).toEqual([
      ['CreateStmt', 3, 1, 'CREATE TABLE a (id int)'],
      ['AlterTableStmt', 4, 13, 'ALTER TABLE a\n  ADD COLUMN b text'],
      ['SelectStmt', 6, 1, 'SELECT 1'],
    ]);
  });

  it('keeps line numbers and text right after multi-byte characters (the parser counts UTF-8 bytes)', () => {
    const { statements } = parseSql("INSERT INTO t VALUES ('héllo wörld — ✓ 😀');\nDROP TABLE \"tàble\";");
    expect(statements[1]).toMatchObject({ line: 2, sql: 'DROP TABLE "tàble"' });
    expect(statements[0]!.sql).toBe("INSERT INTO t VALUES ('héllo wörld — ✓ 😀')");
  });

  it('offsets lines when the SQL was cut out of a bigger file', () => {
    expect(parseSql('SELECT 1;\nSELECT 2;', 'x.sql', 10).statements.map((s) => s.line)).toEqual([10, 11]);
  });

  it('returns no statements for whitespace and comments only', () => {
    expect(parseSql('  -- nothing\n/* at all */\n').statements).toEqual([]);
  });

  it('reports a syntax error with source, line, column and the parser\'s own message', () => {
    let error: unknown;
    try {
      parseSql("SELECT 'é';\nSELECT 1;\nALTER TABLE t ADD COLUMN;", 'm.sql');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DbrollbackError);
    expect((error as DbrollbackError).code).toBe('SQL_SYNTAX');
    expect((error as DbrollbackError).exitCode).toBe(2);
    expect((error as DbrollbackError).message).toBe('m.sql:3:25: SQL syntax error: syntax error at or near ";"');
  });

  it('attaches -- dbrollback-ignore to the next statement, to a statement it trails on the same line, or to the file', () => {
    const { statements, fileIgnores } = parseSql(
      [
        '-- dbrollback-ignore-file prefer-text-field',
        'ALTER TABLE a DROP COLUMN b; -- dbrollback-ignore drop-column',
        '-- dbrollback-ignore rename-column, rename-table',
        'ALTER TABLE a RENAME COLUMN c TO d;',
        'ALTER TABLE a RENAME TO e; /* dbrollback-ignore */',
        "SELECT '-- dbrollback-ignore not-a-comment';",
      ].join('\n'),
    );
    expect(fileIgnores).toEqual(['prefer-text-field']);
    expect(statements.map((s) => s.ignores)).toEqual([['drop-column'], ['rename-column', 'rename-table'], ['*'], []]);
  });
});

describe('sql lexer', () => {
  it('finds comments but not comment-like text in strings, quoted identifiers and dollar quotes', () => {
    const sql = "SELECT '--x', \"--y\", $$ -- z $$, $tag$ /* w */ $tag$, E'\\' --v' -- real\n/* outer /* nested */ still */ SELECT a$b--c\n";
    expect(scanComments(sql).map((c) => c.text)).toEqual(['-- real', '/* outer /* nested */ still */', '--c']);
  });

  it('skips whitespace and comments to the first token', () => {
    const sql = '  -- a\n /* b */\tSELECT';
    expect(sql.slice(skipTrivia(sql, 0))).toBe('SELECT');
  });
});
