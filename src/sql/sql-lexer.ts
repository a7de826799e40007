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

/**
 * Where a comment, a string, a quoted identifier or a dollar quote may start. Scanning jumps from one to the
 * next with the regular-expression engine instead of a loop over every character: a classify of a long history
 * runs this over each file once, mostly before V8 has optimised any of it, and an interpreted character loop
 * cost ~30–60 ms of the 1,000-file benchmark's main thread (bench/README.md).
 */
const INTERESTING = /--|\/\*|['"$]/g;
const BLOCK_MARK = /\/\*|\*\//g;
const ESCAPED_QUOTE_END = /[\\']/g;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Every comment in the text, in order. */
export function scanComments(sql: string): SqlComment[] {
  const comments: SqlComment[] = [];
  let i = 0;
  while (i < sql.length) {
    INTERESTING.lastIndex = i;
    const m = INTERESTING.exec(sql);
    if (m === null) break;
    i = m.index;
    const c = m[0];
    if (c === '--') {
      const end = lineCommentEnd(sql, i);
      comments.push({ start: i, end, text: sql.slice(i, end) });
      i = end;
    } else if (c === '/*') {
      const end = blockCommentEnd(sql, i);
      comments.push({ start: i, end, text: sql.slice(i, end) });
      i = end;
    } else if (c === "'") {
      const escapes = (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdentChar(sql[i - 2]);
      i = quotedEnd(sql, i, "'", escapes);
    } else if (c === '"') {
      i = quotedEnd(sql, i, '"', false);
    } else if (!isIdentChar(sql[i - 1])) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64));
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

/** Past the block comment opening at `start` (they nest, as in PostgreSQL); the text's end when it is not closed. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  BLOCK_MARK.lastIndex = start;
  for (let m = BLOCK_MARK.exec(sql); m !== null; m = BLOCK_MARK.exec(sql)) {
    depth += m[0] === '/*' ? 1 : -1;
    if (depth === 0) return BLOCK_MARK.lastIndex;
  }
  return sql.length;
}

/** Past the string or quoted identifier opening at `start` (a doubled quote is one character of it). */
function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    let at: number;
    if (backslashEscapes) {
      ESCAPED_QUOTE_END.lastIndex = i;
      const m = ESCAPED_QUOTE_END.exec(sql);
      if (m === null) return sql.length;
      at = m.index;
      if (m[0] === '\\') {
        i = at + 2;
        continue;
      }
    } else {
      at = sql.indexOf(quote, i);
      if (at === -1) return sql.length;
    }
    if (sql[at + 1] === quote) i = at + 2;
    else return at + 1;
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
