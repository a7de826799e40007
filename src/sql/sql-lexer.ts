/**
 * Just enough of PostgreSQL's lexical rules to find comments: the parser
 * drops them, but inline suppressions live in them. Strings ('...', E'...'),
 * quoted identifiers ("...") and dollar quotes ($tag$...$tag$) are skipped so a
 * `--` inside them is not taken for a comment. Block comments nest, as in PostgreSQL.
 */

export interface SqlComment {
  /** Index of the first character (`-` or `/`). */
  start: number;
  /** Index just past the comment. */
  end: number;
  text: string;
}

/** Index of the first character at or after `from` that is neither whitespace nor part of a comment. */
export function skipTrivia(sql: string, from: number): number {
  let i = from;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) i++;
    else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) i = lineCommentEnd(sql, i);
    else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) i = blockCommentEnd(sql, i);
    else break;
  }
  return i;
}

/** Every comment in the text, in order. */
export function scanComments(sql: string): SqlComment[] {
  const comments: SqlComment[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = lineCommentEnd(sql, i);
      comments.push({ start: i, end, text: sql.slice(i, end) });
      i = end;
    } else if (c === '/' && next === '*') {
      const end = blockCommentEnd(sql, i);
      comments.push({ start: i, end, text: sql.slice(i, end) });
      i = end;
    } else if (c === "'") {
      const escapes = (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdentChar(sql[i - 2]);
      i = quotedEnd(sql, i, "'", escapes);
    } else if (c === '"') {
      i = quotedEnd(sql, i, '"', false);
    } else if (c === '$' && !isIdentChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? sql.length : close + tag[0].length;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  return comments;
}

function lineCommentEnd(sql: string, start: number): number {
  const nl = sql.indexOf('\n', start);
  return nl === -1 ? sql.length : nl;
}

function blockCommentEnd(sql: string, start: number): number {
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
    } else {
      i++;
    }
  }
  return sql.length;
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** A word or punctuation mark outside parentheses, strings, quoted identifiers and comments. */
export interface TopLevelToken {
  /** Lower-cased word, or the punctuation character (`,` `=`). */
  text: string;
  start: number;
  end: number;
}

/**
 * The words, commas and `=` signs of a statement at parenthesis depth 0, with
 * their positions: enough to cut a parsed statement into its clauses
 * (`UPDATE rel SET ... FROM ... WHERE ...`) without a deparser.
 */
export function topLevelTokens(sql: string): TopLevelToken[] {
  const out: TopLevelToken[] = [];
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') i = lineCommentEnd(sql, i);
    else if (c === '/' && next === '*') i = blockCommentEnd(sql, i);
    else if (c === "'") i = quotedEnd(sql, i, "'", (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdentChar(sql[i - 2]));
    else if (c === '"') {
      const end = quotedEnd(sql, i, '"', false);
      if (depth === 0) out.push({ text: sql.slice(i, end), start: i, end });
      i = end;
    } else if (c === '$' && !isIdentChar(sql[i - 1]) && /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64))![0];
      const close = sql.indexOf(tag, i + tag.length);
      i = close === -1 ? sql.length : close + tag.length;
    } else if (c === '(' || c === '[') {
      depth++;
      i++;
    } else if (c === ')' || c === ']') {
      depth--;
      i++;
    } else if (isIdentChar(c) && !isIdentChar(sql[i - 1])) {
      let end = i + 1;
      while (end < sql.length && isIdentChar(sql[end])) end++;
      if (depth === 0) out.push({ text: sql.slice(i, end).toLowerCase(), start: i, end });
      i = end;
    } else {
      if (depth === 0 && (c === ',' || (c === '=' && !/[<>!=]/.test(sql[i - 1] ?? '') && next !== '=' && next !== '>'))) out.push({ text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return out;
}
