/**
 * How a command's result reaches the user: with --json exactly one JSON
 * document on stdout; everything else (logs, progress, human errors) on stderr.
 * Reports are data first; `human` is the rendering for people.
 */
import { DbrollbackError, EXIT, exitCodeOf, redactSecrets as scrub, type ExitCode } from '../index.js';

export interface CommandResult {
  /** The JSON document (the contract's shape) printed with --json. */
  json: unknown;
  /** The text printed without --json (on stdout). */
  human: string;
  exitCode?: ExitCode;
  /** A failure that is part of the result (a run that stopped): printed once, after the result. */
  error?: unknown;
  /**
   * `human` shows commands as they were recorded or are to be configured (history's command lines,
   * archive-command's settings): printed as it is, without the flags of this run (given-flags.ts).
   */
  asRecorded?: boolean;
}

export interface Io {
  readonly json: boolean;
  readonly verbose: boolean;
  /** stderr is a terminal (progress may redraw in place). */
  readonly isTTY: boolean;
  /** stdin and stderr are terminals: an interactive confirmation is possible. */
  readonly interactive: boolean;
  /** --yes: the user confirmed beforehand. */
  readonly yes: boolean;
  /** The command line as the user typed it (for audit records; secrets are removed there). */
  readonly commandLine: string[];
  /** A line of progress or information, on stderr. */
  log(line: string): void;
  /** Detail shown only with --verbose, on stderr. */
  debug(line: string): void;
  /** A progress line redrawn in place on the terminal; `final` ends it with a newline. */
  redraw(line: string, final: boolean): void;
  /** Ask yes/no on the terminal. */
  confirm(question: string): Promise<boolean>;
  /** Text for people with the global flags this run was given added to each dbrollback command it suggests (given-flags.ts). */
  suggest(text: string): string;
  /** This run was given flags that `suggest` repeats (false: `suggest` returns its text as it is). */
  readonly suggests: boolean;
}

export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export function createIo(opts: { json: boolean; verbose: boolean; yes?: boolean; argv?: string[]; suggest?: (text: string) => string }, streams: Streams): Io {
  const isTTY = Boolean(streams.stderr.isTTY);
  const suggest = opts.suggest ?? ((text: string) => text);
  return {
    suggest,
    suggests: opts.suggest !== undefined,
    json: opts.json,
    verbose: opts.verbose,
    isTTY,
    interactive: isTTY && Boolean(streams.stdin.isTTY),
    yes: opts.yes ?? false,
    commandLine: ['dbrollback', ...(opts.argv ?? [])],
    log: (line) => void streams.stderr.write(`${scrub(suggest(line))}\n`),
    debug: (line) => {
      if (opts.verbose) streams.stderr.write(`${scrub(line)}\n`);
    },
    redraw: (line, final) => void streams.stderr.write(`\r\x1b[2K${scrub(line)}${final ? '\n' : ''}`),
    confirm: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: streams.stdin, output: streams.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}

export function printResult(result: CommandResult, io: Io, streams: Streams): ExitCode {
  if (io.json) writeJson(io.suggests && !result.asRecorded ? withSuggestions(result.json, io.suggest) : result.json, (text) => void streams.stdout.write(scrub(text)));
  else if (result.human) streams.stdout.write(`${scrub((result.asRecorded ? result.human : io.suggest(result.human)).replace(/\n+$/, ''))}\n`);
  // The JSON document already carries the error; people get it on stderr.
  if (result.error !== undefined) printError(result.error, { json: false, verbose: io.verbose, suggest: io.suggest }, streams);
  return result.exitCode ?? (result.error !== undefined ? exitCodeOf(result.error) : EXIT.ok);
}

/** Print an error once: JSON on stdout with --json, a message and hint on stderr otherwise. */
export function printError(err: unknown, io: Pick<Io, 'json' | 'verbose'> & { suggest?: Io['suggest'] }, streams: Streams): ExitCode {
  const known = err instanceof DbrollbackError;
  const suggest = io.suggest ?? ((text: string) => text);
  const code = known ? err.code : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  const hint = known ? err.hint : 'This is unexpected; rerun with --verbose and report it with the output.';
  if (io.json) {
    const error = known ? err.toJSON() : { code, message, hint };
    streams.stdout.write(`${scrub(toJson({ ok: false, error: withSuggestions(error, suggest) }))}\n`);
  }
  // Human form on stderr always (with --json too: stderr is for people).
  const lines = [`error: ${suggest(message)}`];
  // PostgreSQL's DETAIL names what failed (the duplicated key, the violating row), which its message alone does not.
  if (known && err.pg?.detail && !message.includes(err.pg.detail)) lines.push(`detail: ${err.pg.detail}`);
  if (hint) lines.push(`hint: ${suggest(hint)}`);
  if (io.verbose || !known) {
    for (const cause of causeChain(err)) lines.push(`cause: ${cause}`);
  }
  streams.stderr.write(`${scrub(lines.join('\n'))}\n`);
  return exitCodeOf(err);
}

/**
 * Keys whose strings are the user's own text (a migration's SQL, classify's statements, a file's path), never
 * a command dbrollback suggests: left as they are.
 */
const USER_TEXT = new Set(['sql', 'statements', 'path', 'file', 'files']);

/**
 * A JSON document with the global flags this run was given repeated in each dbrollback command its text
 * suggests (a plan's steps and routes, a refusal's hint, a migrate's way back), as people's text has them:
 * a script or chat bot that shows `steps[].detail` to the person on call hands them a command for the same
 * database and storage. The document's shape is unchanged.
 */
function withSuggestions(value: unknown, suggest: (text: string) => string): unknown {
  if (typeof value === 'string') return suggest(value);
  if (Array.isArray(value)) return value.map((v) => withSuggestions(v, suggest));
  if (value === null || typeof value !== 'object') return value;
  // What JSON.stringify would write for it (a Date's text, an error's fields).
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return withSuggestions(toJSON.call(value), suggest);
  // Without a prototype, a `__proto__` key in the document stays a key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, v] of Object.entries(value)) out[key] = USER_TEXT.has(key) ? v : withSuggestions(v, suggest);
  return out;
}

function causeChain(err: unknown): string[] {
  const out: string[] = [];
  let current = err instanceof Error ? err.cause : undefined;
  if (!(err instanceof DbrollbackError) && err instanceof Error && err.stack) out.push(err.stack);
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    out.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

/**
 * A JSON document, indented. Most results hold no bigint, and a replacer function makes
 * JSON.stringify call into JavaScript for every key (~2x slower on classify's 10 MB reports):
 * the replacer is used only when a bigint made the plain call throw.
 */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2);
  } catch (err) {
    if (err instanceof TypeError && /BigInt/i.test(err.message)) return JSON.stringify(value, jsonReplacer, 2);
    throw err;
  }
}

/** Chunks of about this many characters are written as the document is formatted. */
const CHUNK = 64 * 1024;

/**
 * `toJson(value)` and a newline, written in chunks as it is formatted: a long top-level list (classify's
 * 13,000-statement `files`) one element at a time, so the 10 MB report is never one string, nor one
 * buffer beside it. Byte for byte what `toJson` gives: an element's own indentation is JSON.stringify's,
 * shifted by the list's depth (a newline inside a JSON string is written `\n`, so every newline in the
 * formatted text is one between tokens). A chunk ends between two elements, never inside a string: a
 * secret or URL the caller scrubs from each chunk is whole in one of them.
 */
export function writeJson(value: unknown, write: (text: string) => void): void {
  // The keys JSON.stringify writes; a value with a toJSON of its own is written whole, as the plain call would.
  const entries = streamable(value) ? Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol') : [];
  if (entries.length === 0 || entries.some(([, v]) => hasToJson(v))) {
    write(`${toJson(value)}\n`);
    return;
  }
  let pending = '';
  const out = (text: string): void => {
    pending += text;
    if (pending.length >= CHUNK) {
      write(pending);
      pending = '';
    }
  };
  out('{');
  entries.forEach(([key, v], k) => {
    const head = `${k === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `;
    if (Array.isArray(v) && v.length > 0 && plainElements(v)) {
      out(`${head}[`);
      writeElements(key, v, out);
      out('\n  ]');
    } else {
      out(`${head}${toJson(v).replace(/\n/g, '\n  ')}`);
    }
  });
  out('\n}\n');
  if (pending !== '') write(pending);
}

/**
 * A top-level list's elements, as `\n    element` joined by commas, a slice of elements at a time: each
 * slice is formatted inside a one-key object (`{ key: slice }`), which JSON.stringify indents exactly as
 * the whole document, and the object's first and last lines are cut off — instead of re-indenting
 * each element's text with a regular expression (the 10 MB report went through it once more).
 */
function writeElements(key: string, list: readonly unknown[], out: (text: string) => void): void {
  const head = `{\n  ${JSON.stringify(key)}: [`.length;
  const tail = '\n  ]\n}'.length;
  let size = 1;
  for (let i = 0; i < list.length; ) {
    const slice = list.slice(i, i + size);
    let text: string;
    try {
      text = JSON.stringify({ [key]: slice }, null, 2);
    } catch {
      // A bigint: toJson's replacer, element by element.
      text = '';
      for (const element of slice) text += `${text === '' ? '' : ','}\n    ${toJson(element).replace(/\n/g, '\n    ')}`;
      text = ' '.repeat(head) + text + ' '.repeat(tail);
    }
    out(`${i === 0 ? '' : ','}${text.slice(head, text.length - tail)}`);
    i += slice.length;
    // About one chunk per slice.
    size = Math.max(1, Math.min(1024, Math.round((CHUNK * slice.length) / Math.max(1, text.length))));
  }
}

function hasToJson(value: unknown): boolean {
  return value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** Every element an object or array written as JSON.stringify writes it alone (no holes, no toJSON). */
function plainElements(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const element = list[i];
    if (!(i in list) || element === null || typeof element !== 'object' || hasToJson(element)) return false;
  }
  return true;
}

/** A plain object (no toJSON of its own) that JSON.stringify would write as `{...}`. */
function streamable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || hasToJson(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Render rows as an aligned text table. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
