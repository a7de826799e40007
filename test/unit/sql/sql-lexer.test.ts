/**
 * scanComments jumps between the places a comment, string, quoted identifier
 * or dollar quote may start. It is checked here against a plain reading of
 * PostgreSQL's lexical rules, one character at a time (the implementation it
 * replaced), on hand-picked texts and on many generated ones made of the
 * characters that matter.
 */
import { describe, expect, it } from 'vitest';
import { scanComments, skipTrivia, topLevelTokens } from '../../../src/sql/sql-lexer.js';

/** The reference: every character read in turn. */
function reference(sql: string): Array<{ start: number; end: number; text: string }> {
  const isIdent = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
  const lineEnd = (start: number) => {
    const nl = sql.indexOf('\n', start);
    return nl === -1 ? sql.length : nl;
  };
  const blockEnd = (start: number) => {
    let depth = 0;
    let i = start;
    while (i < sql.length) {
      if (sql[i] === '/' && sql[i + 1] === '*') {
        depth++;
        i += 2;
      } else if (sql[i] === '*' && sql[i + 1] === '/') {
        depth--;
        i += 2;
        if (depth === 0) return i;
      } else i++;
    }
    return sql.length;
  };
  const quoted = (start: number, quote: string, escapes: boolean) => {
    let i = start + 1;
    while (i < sql.length) {
      const c = sql[i];
      if (escapes && c === '\\') i += 2;
      else if (c === quote) {
        if (sql[i + 1] === quote) i += 2;
        else return i + 1;
      } else i++;
    }
    return sql.length;
  };
  const out: Array<{ start: number; end: number; text: string }> = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = lineEnd(i);
      out.push({ start: i, end, text: sql.slice(i, end) });
      i = end;
    } else if (c === '/' && next === '*') {
      const end = blockEnd(i);
      out.push({ start: i, end, text: sql.slice(i, end) });
      i = end;
    } else if (c === "'") {
      i = quoted(i, "'", (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdent(sql[i - 2]));
    } else if (c === '"') {
      i = quoted(i, '"', false);
    } else if (c === '$' && !isIdent(sql[i - 1])) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? sql.length : close + tag[0].length;
      } else i++;
    } else i++;
  }
  return out;
}

/** A deterministic generator (the same texts every run). */
function generator(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const PIECES = ['-', '--', '/', '*', '/*', '*/', "'", "''", '"', '""', '$', '$$', '$a$', '$b$', '\\', "E'", "e'", 'xE', 'a', 'b', ' ', '\n', ';', 'é', 'SELECT ', '-- dbrollback-ignore x\n', '$1', '1'];

describe('scanComments', () => {
  it('finds line, nested block and trailing comments, not the ones inside strings, identifiers or dollar quotes', () => {
    const sql = [
      "SELECT '-- not a comment', \"/* nor */ this\", E'it\\'s -- still a string', $$ -- body $$, $fn$ /* body */ $fn$;",
      '/* outer /* inner */ still outer */ SELECT 1; -- trailing',
      'SELECT a$b, x$$y -- after identifiers with dollars',
      "SELECT 'unterminated -- string",
    ].join('\n');
    expect(scanComments(sql).map((c) => c.text)).toEqual(['/* outer /* inner */ still outer */', '-- trailing', '-- after identifiers with dollars']);
    expect(scanComments(sql)).toEqual(reference(sql));
  });

  it('an unclosed block comment, string or dollar quote runs to the end of the text', () => {
    for (const sql of ['SELECT 1 /* open /* nested */', "SELECT 'open", 'SELECT "open', 'SELECT $t$ open', "SELECT E'open\\", '--']) {
      expect(scanComments(sql)).toEqual(reference(sql));
    }
    expect(scanComments('SELECT 1 /* open /* nested */')).toEqual([{ start: 9, end: 29, text: '/* open /* nested */' }]);
  });

  it('agrees with a character-by-character reading on 20,000 generated texts', () => {
    const random = generator(22);
    for (let n = 0; n < 20_000; n++) {
      const length = 1 + Math.floor(random() * 24);
      let sql = '';
      for (let k = 0; k < length; k++) sql += PIECES[Math.floor(random() * PIECES.length)];
      const got = scanComments(sql);
      const want = reference(sql);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect({ sql, got }).toEqual({ sql, got: want });
    }
  });

  it('skipTrivia and topLevelTokens still step over comments and strings', () => {
    const text = '  -- a\n /* b /* c */ */  SELECT';
    expect(skipTrivia(text, 0)).toBe(text.indexOf('SELECT'));
    expect(topLevelTokens("UPDATE t SET a = 'x -- y', b = (1) /* c */ WHERE id = 1").map((t) => t.text)).toEqual(['update', 't', 'set', 'a', '=', ',', 'b', '=', 'where', 'id', '=', '1']);
  });
});
