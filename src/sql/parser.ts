/**
 * The real PostgreSQL parser (libpg-query, compiled to WASM) and what we need
 * around it: statements with their exact text and line numbers, and the
 * `-- dbrollback-ignore` comments that belong to each statement.
 *
 * The WASM module is loaded once per process (`initParser`); parsing itself is
 * synchronous after that.
 */
import { DbrollbackError } from '../errors.js';
import type { ParseAhead } from './parse-ahead.js';
import { scanComments, skipTrivia, type SqlComment } from './sql-lexer.js';

/** A parse-tree node: `{ NodeType: { ...fields } }`. */
export type PgNode = Record<string, unknown>;

export interface ParsedStatement {
  /** The parser's node type (`CreateStmt`, `AlterTableStmt`, ...). */
  kind: string;
  /** The node's fields (the value under `kind`). */
  node: Record<string, unknown>;
  /** Exact text of the statement, from its first token to before its `;`. */
  sql: string;
  /** 1-based line and column of the first token. */
  line: number;
  column: number;
  /** Rule ids silenced for this statement by `-- dbrollback-ignore` comments (`*` = all). */
  ignores: string[];
}

export interface ParsedSql {
  statements: ParsedStatement[];
  /** Rule ids silenced for the whole file by `-- dbrollback-ignore-file`. */
  fileIgnores: string[];
}

/**
 * The parser was needed before `initParser()` resolved. classify loads the parser only when a file
 * needs it (a long history's files are parsed on another thread): it loads it then and tries again.
 * Code that catches parse errors must let this one through.
 */
export class ParserNotLoaded extends DbrollbackError {
  constructor() {
    super('INTERNAL', 'the SQL parser is not initialised (await initParser() first)');
  }
}

let ready: Promise<void> | undefined;
/** Files parsed ahead on another thread (parse-ahead.ts), while a classify run's files are read. */
let ahead: ParseAhead | undefined;
let loaded = false;
let parseSync: (sql: string) => unknown = () => {
  throw new ParserNotLoaded();
};

/** Load the parser's WASM module (once per process, on first use; later calls are free). */
export function initParser(): Promise<void> {
  ready ??= import('libpg-query').then(async (libpgQuery) => {
    await libpgQuery.loadModule();
    parseSync = libpgQuery.parseSync;
    loaded = true;
  });
  return ready;
}

/**
 * Take parse trees from `source` for the files it parsed ahead (by path and whole text) until the
 * returned function is called. For a synchronous run of parses: set around it, not across awaits.
 */
export function parsingAhead(source: ParseAhead): () => void {
  ahead = source;
  return () => {
    if (ahead === source) ahead = undefined;
  };
}

/** The raw parse tree (libpg-query's JSON form); `initParser()` must have resolved. */
export function parseTree(sql: string): unknown {
  return parseSync(sql);
}

export function parserReady(): boolean {
  return loaded;
}

const IGNORE_MARK = 'dbrollback-ignore';

/**
 * Split and parse SQL text. `initParser()` must have resolved first.
 * A syntax error becomes SQL_SYNTAX carrying the file, line, column and the parser's own message.
 */
export function parseSql(sql: string, source = '<sql>', firstLine = 1): ParsedSql {
  const lines = lineStarts(sql);
  if (skipTrivia(sql, 0) >= sql.length) return { statements: [], fileIgnores: [] };

  type Tree = { stmts?: Array<{ stmt: PgNode; stmt_location?: number; stmt_len?: number }> };
  // Without a parser of its own, this thread waits for the other one's tree rather than load one.
  let tree = ahead?.take(source, sql, !loaded) as Tree | undefined;
  if (tree === undefined) {
    if (!loaded) throw new ParserNotLoaded();
    try {
      tree = parseSync(sql) as Tree;
    } catch (cause) {
      throw syntaxError(sql, source, firstLine, lines, cause);
    }
  }

  // libpg-query reports byte offsets into the UTF-8 text; JS strings index UTF-16 units.
  const toChar = byteToCharMapper(sql);
  const raw = tree.stmts ?? [];
  const statements: ParsedStatement[] = [];
  const spans: Array<{ start: number; end: number }> = [];
  for (const entry of raw) {
    const segStart = toChar(entry.stmt_location ?? 0);
    const segEnd = entry.stmt_len ? toChar((entry.stmt_location ?? 0) + entry.stmt_len) : sql.length;
    const start = skipTrivia(sql, segStart);
    const text = sql.slice(start, trimEnd(sql, start, segEnd));
    // The node's one key is its type. A for-in, not Object.entries and a destructuring: this runs for every
    // statement of a history, mostly before V8 optimises it, and the interpreter pays for each array and iterator.
    let kind = 'Unknown';
    let node: unknown;
    for (const key in entry.stmt) {
      kind = key;
      node = entry.stmt[key];
      break;
    }
    if (kind === 'DoStmt') {
      const guarded = guardedStatement(node as Record<string, unknown>);
      if (guarded !== undefined) {
        kind = guarded.kind;
        node = guarded.node;
      }
    }
    const pos = position(lines, start);
    statements.push({
      kind,
      node: (node ?? {}) as Record<string, unknown>,
      sql: text,
      line: pos.line + firstLine - 1,
      column: pos.column,
      ignores: [],
    });
    spans.push({ start, end: start + text.length });
  }

  const fileIgnores: string[] = [];
  // Only look for comments when there is something to find: lexing is the slow part.
  if (sql.includes(IGNORE_MARK)) {
    for (const comment of scanComments(sql)) {
      const directive = ignoreDirective(comment);
      if (!directive) continue;
      if (directive.file) {
        for (const rule of directive.rules) fileIgnores.push(rule);
        continue;
      }
      const target = ownerOf(comment, spans, sql, lines);
      if (target !== undefined) for (const rule of directive.rules) statements[target]!.ignores.push(rule);
    }
  }
  return { statements, fileIgnores };
}

/**
 * `DO $$ BEGIN <one SQL statement>; EXCEPTION WHEN duplicate_object THEN null; END $$` — how drizzle-kit (and
 * many hand-written migrations) make a CREATE TYPE or ADD CONSTRAINT idempotent: the statement runs, or, when
 * its object exists already, nothing does (and `WHEN undefined_object` around a DROP: it drops, or the object
 * was not there). Read as that statement (what it does when it does anything), so the rules, the plan and the
 * round trip judge it instead of calling the block opaque. Only this exact shape: one plain statement,
 * PL/pgSQL, a handler for duplicate_* / undefined_* conditions that does nothing (null, or RAISE NOTICE).
 */
const GUARDED_DO = /^\s*BEGIN\s+([\s\S]*?;)\s*EXCEPTION\s+WHEN\s+(?:duplicate|undefined)_[a-z]+(?:\s+OR\s+(?:duplicate|undefined)_[a-z]+)*\s+THEN\s+(?:null|raise\s+notice\s+'(?:[^']|'')*'(?:\s*,\s*[^;]*)?)\s*;\s*END\s*;?\s*$/i;

function guardedStatement(node: Record<string, unknown>): { kind: string; node: Record<string, unknown> } | undefined {
  let body: string | undefined;
  for (const arg of (node.args as unknown[] | undefined) ?? []) {
    const def = (arg as { DefElem?: { defname?: string; arg?: { String?: { sval?: string } } } }).DefElem;
    if (def?.defname === 'language' && def.arg?.String?.sval?.toLowerCase() !== 'plpgsql') return undefined;
    if (def?.defname === 'as') body = def.arg?.String?.sval;
  }
  const inner = body === undefined ? null : GUARDED_DO.exec(body);
  if (!inner) return undefined;
  // The inner statement needs this thread's parser: the caller loads it and asks again (ParserNotLoaded).
  if (!loaded) throw new ParserNotLoaded();
  let tree: { stmts?: Array<{ stmt: PgNode }> };
  try {
    tree = parseSync(inner[1]!) as typeof tree;
  } catch {
    // PL/pgSQL that is not plain SQL (an IF, a variable): the block stays opaque.
    return undefined;
  }
  if (tree.stmts?.length !== 1) return undefined;
  for (const key in tree.stmts[0]!.stmt) {
    if (key === 'DoStmt' || key === 'TransactionStmt') return undefined;
    return { kind: key, node: tree.stmts[0]!.stmt[key] as Record<string, unknown> };
  }
  return undefined;
}

/** `-- dbrollback-ignore rule-a, rule-b` / `-- dbrollback-ignore-file rule-a` (no ids = every rule). */
function ignoreDirective(comment: SqlComment): { file: boolean; rules: string[] } | undefined {
  const text = comment.text.replace(/^(--|\/\*)/, '').replace(/\*\/$/, '').trim();
  const m = /^dbrollback-ignore(-file)?\b(.*)$/s.exec(text);
  if (!m) return undefined;
  const rules = (m[2] ?? '')
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter((r) => /^[a-z0-9-]+$/.test(r));
  return { file: Boolean(m[1]), rules: rules.length > 0 ? rules : ['*'] };
}

/**
 * Which statement an ignore comment belongs to: the one it is inside; else the
 * one it trails on the same line (`ALTER ...; -- dbrollback-ignore x`); else the next one.
 */
function ownerOf(comment: SqlComment, spans: Array<{ start: number; end: number }>, sql: string, lines: number[]): number | undefined {
  const commentLine = position(lines, comment.start).line;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    if (comment.start >= span.start && comment.start < span.end) return i;
    if (span.end <= comment.start && position(lines, Math.max(span.start, span.end - 1)).line === commentLine) {
      const between = sql.slice(span.end, comment.start);
      if (/^[\s;]*$/.test(between)) return i;
    }
  }
  const next = spans.findIndex((span) => span.start >= comment.end);
  return next === -1 ? undefined : next;
}

function syntaxError(sql: string, source: string, firstLine: number, lines: number[], cause: unknown): DbrollbackError {
  const details = (cause as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const parserMessage = details?.message ?? (cause instanceof Error ? cause.message : String(cause));
  // cursorPosition counts code points from 0; convert to a UTF-16 index before finding the line.
  const charIndex = details?.cursorPosition !== undefined ? codePointToIndex(sql, details.cursorPosition) : 0;
  const pos = position(lines, charIndex);
  const line = pos.line + firstLine - 1;
  return new DbrollbackError('SQL_SYNTAX', `${source}:${line}:${pos.column}: SQL syntax error: ${parserMessage}`, {
    hint: 'Fix the statement at that line (the message is PostgreSQL\'s own parser\'s); the file was not classified.',
    cause,
    details: { file: source, line, column: pos.column, parserMessage },
  });
}

/** End of `sql[start, end)` without trailing whitespace and semicolons (a regex here backtracks on long runs). */
function trimEnd(sql: string, start: number, end: number): number {
  let i = end;
  while (i > start) {
    const c = sql.charCodeAt(i - 1);
    if (c === 59 /* ; */ || c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) i--;
    else break;
  }
  return i;
}

function codePointToIndex(text: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < text.length; n++) {
    const code = text.charCodeAt(index);
    index += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return index;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of a character index. */
function position(starts: number[], index: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - starts[lo]! + 1 };
}

/** Map UTF-8 byte offsets to string indexes (identity for ASCII text, the common case). */
function byteToCharMapper(text: string): (byteOffset: number) => number {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes === text.length) return (offset) => offset;
  const map = new Int32Array(bytes + 1);
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) map[byte + k] = i;
    byte += width;
    if (code >= 0x10000) i++;
  }
  map[bytes] = text.length;
  return (offset) => map[Math.min(Math.max(offset, 0), bytes)]!;
}
