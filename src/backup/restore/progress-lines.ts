/**
 * Reads `pg_restore --verbose` (PostgreSQL 15) progress lines to learn when
 * a table's data is loaded and committed, so the restored copy can be
 * fingerprinted table by table while pg_restore goes on building indexes.
 *
 * When is a table's data safe to hash?
 *  - single job: pg_restore runs one item at a time and autocommits each
 *    COPY (no --single-transaction); the line announcing the next item is
 *    printed only after the previous item's COPY has ended. So the table of
 *    a `processing data for table "s.t"` line is loaded once the next item's
 *    line arrives.
 *  - parallel (-j): workers print their lines interleaved; only the leader's
 *    `finished item N TABLE DATA t` says an item is done (the worker commits
 *    its TRUNCATE + COPY transaction before reporting). That line names the
 *    table without its schema.
 *
 * A table hashed early must not change afterwards. Once its data is loaded,
 * pg_restore issues no DML against it; what could still write to it is user
 * code run by later items: triggers and rules fire on later data loads
 * (single job: they are created after all data; parallel: they may not be),
 * REFRESH MATERIALIZED VIEW runs arbitrary functions, event triggers fire on
 * the DDL that follows. Such items — and any line or item kind this parser
 * does not know — make it `distrust` every early fingerprint: the caller then
 * fingerprints everything after pg_restore exits, as if nothing was parsed.
 * A misread table name can only make a hash be taken too early, i.e. of an
 * empty table (a COPY commits all its rows at once): that fails the
 * comparison, it never passes a wrong copy.
 */

/** What a `data-loaded` event names: the schema-qualified text as printed (single job), or the bare table name (parallel). */
export type LoadedTable = { qualified: string } | { tag: string };

export type ProgressEvent = { kind: 'data-loaded'; table: LoadedTable } | { kind: 'distrust'; reason: string };

/** pg_dump's archive item kinds (te->desc) that never change rows of another table. */
const HARMLESS_DESCS = [
  'ACCESS METHOD', 'ACL', 'ACL LANGUAGE', 'AGGREGATE', 'BLOB', 'BLOBS', 'BLOB COMMENTS', 'CAST', 'CHECK CONSTRAINT',
  'COLLATION', 'COMMENT', 'CONSTRAINT', 'CONVERSION', 'DATABASE', 'DATABASE PROPERTIES', 'DEFAULT', 'DEFAULT ACL',
  'DOMAIN', 'ENCODING', 'FK CONSTRAINT', 'FOREIGN DATA WRAPPER', 'FOREIGN TABLE', 'FUNCTION', 'INDEX', 'INDEX ATTACH',
  'LARGE OBJECT', 'MATERIALIZED VIEW', 'OPERATOR', 'OPERATOR CLASS', 'OPERATOR FAMILY', 'POLICY', 'PROCEDURE',
  'PROCEDURAL LANGUAGE', 'PUBLICATION', 'PUBLICATION TABLE', 'PUBLICATION TABLES IN SCHEMA', 'ROW SECURITY', 'SCHEMA',
  'SEARCHPATH', 'SECURITY LABEL', 'SEQUENCE', 'SEQUENCE OWNED BY', 'SEQUENCE SET', 'SERVER', 'SHELL TYPE', 'STATISTICS',
  'STDSTRINGS', 'TABLE', 'TABLE ATTACH', 'TABLE DATA', 'TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH PARSER', 'TEXT SEARCH TEMPLATE', 'TRANSFORM', 'TYPE', 'USER MAPPING', 'VIEW',
];
/** Item kinds that install code firing on later writes. */
const WRITE_HOOK_DESCS = ['TRIGGER', 'RULE'];
/** Item kinds that run user code able to write anywhere. */
const UNSAFE_DESCS = ['MATERIALIZED VIEW DATA', 'EVENT TRIGGER', 'EXTENSION', 'SUBSCRIPTION'];
const DESCS = [...HARMLESS_DESCS, ...WRITE_HOOK_DESCS, ...UNSAFE_DESCS].sort((a, b) => b.length - a.length);

/** Lines that carry no item. */
const NEUTRAL = [
  /^connecting to database for restore$/,
  /^entering main parallel loop$/,
  /^finished main parallel loop$/,
  /^restoring large object with OID \d+$/,
  /^restored \d+ large objects?$/,
];

type Message =
  | { kind: 'neutral' }
  /** Single job (or a parallel worker): an item starts. `desc` null = not a known kind. */
  | { kind: 'start'; desc: string | null; table?: string }
  /** Parallel leader: launching / processing (missed) item, or finished item. */
  | { kind: 'item'; verb: 'run' | 'finished'; id: number; desc: string | null; tag: string };

/** Strip the program-name prefix(es): parallel workers can interleave a prefix with another process's message. */
export function messageOf(line: string, programs: readonly string[] = ['pg_restore']): string | null {
  let rest = line;
  let prefixed = false;
  for (;;) {
    const p = programs.find((name) => rest.startsWith(`${name}: `));
    if (!p) break;
    rest = rest.slice(p.length + 2);
    prefixed = true;
  }
  return prefixed ? rest : null;
}

function descPrefix(text: string, terminator: string): { desc: string | null; rest: string } {
  const desc = DESCS.find((d) => text.startsWith(`${d}${terminator}`));
  return desc ? { desc, rest: text.slice(desc.length + terminator.length) } : { desc: null, rest: text };
}

/** A pg_restore --verbose message, or null if this is not one (an error, a warning, a notice, anything unknown). */
export function parseMessage(message: string): Message | null {
  if (NEUTRAL.some((re) => re.test(message))) return { kind: 'neutral' };
  let m = /^processing data for table "(.*)"$/.exec(message);
  if (m) return { kind: 'start', desc: 'TABLE DATA', table: m[1]! };
  m = /^processing (BLOBS|BLOB COMMENTS)$/.exec(message);
  if (m) return { kind: 'start', desc: m[1]! };
  m = /^creating (.*)$/.exec(message);
  if (m) {
    return /"$/.test(m[1]!) ? { kind: 'start', desc: descPrefix(m[1]!, ' "').desc } : null;
  }
  m = /^executing (.*)$/.exec(message);
  if (m) return { kind: 'start', desc: descPrefix(m[1]!, ' ').desc ?? (DESCS.includes(m[1]!) ? m[1]! : null) };
  m = /^(launching item|processing item|processing missed item|skipping item|finished item) (\d+) (.*)$/.exec(message);
  if (m) {
    const { desc, rest } = descPrefix(m[3]!, ' ');
    if (m[1] === 'skipping item') return { kind: 'neutral' };
    return { kind: 'item', verb: m[1] === 'finished item' ? 'finished' : 'run', id: Number(m[2]), desc, tag: rest };
  }
  return null;
}

/** Whether a stderr line is a progress line (else it belongs to an error, a warning or a notice). */
export function isProgressLine(line: string, programs: readonly string[] = ['pg_restore']): boolean {
  const message = messageOf(line, programs);
  return message !== null && parseMessage(message) !== null;
}

/** One parser per pg_restore run. */
export class RestoreProgress {
  private readonly parallel: boolean;
  private readonly programs: readonly string[];
  private distrusted = false;
  /** Single job: the table whose COPY is running. */
  private loading: string | null = null;
  private writeHooks = false;
  /** Parallel: TABLE DATA items launched and not yet finished. */
  private readonly inFlight = new Set<number>();

  constructor(options: { parallel: boolean; programs?: readonly string[] }) {
    this.parallel = options.parallel;
    this.programs = options.programs ?? ['pg_restore'];
  }

  /** What one stderr line tells (in order; lines must come in the order pg_restore wrote them). */
  line(line: string): ProgressEvent[] {
    const text = messageOf(line, this.programs);
    const message = text === null ? null : parseMessage(text);
    if (!message) return this.distrust(`unrecognised pg_restore output: ${line.slice(0, 120)}`);
    if (this.distrusted) return [];
    return this.parallel ? this.parallelMessage(message) : this.singleMessage(message);
  }

  private singleMessage(message: Message): ProgressEvent[] {
    if (message.kind === 'neutral') return [];
    if (message.kind === 'item') return this.distrust('parallel-restore output from a single-job pg_restore');
    // A new item: the previous one has finished, its COPY committed.
    const events: ProgressEvent[] = [];
    if (this.loading !== null) events.push({ kind: 'data-loaded', table: { qualified: this.loading } });
    this.loading = null;
    const verdict = this.itemKind(message.desc, message.desc === 'TABLE DATA');
    if (verdict) return this.distrust(verdict);
    if (message.desc === 'TABLE DATA' && message.table !== undefined) this.loading = message.table;
    return events;
  }

  private parallelMessage(message: Message): ProgressEvent[] {
    if (message.kind === 'neutral') return [];
    if (message.kind === 'start') {
      // A worker's (or the leader's) own line: the leader's launch line already told us the kind; only check it is known.
      return message.desc === null ? this.distrust('an archive item of an unknown kind') : [];
    }
    if (message.verb === 'finished') {
      if (message.desc !== 'TABLE DATA' || !this.inFlight.delete(message.id)) return [];
      return [{ kind: 'data-loaded', table: { tag: message.tag } }];
    }
    const isData = message.desc === 'TABLE DATA';
    // A trigger or rule created while a COPY may still run could fire on it (e.g. a trigger on a partitioned parent).
    if (message.desc !== null && WRITE_HOOK_DESCS.includes(message.desc) && this.inFlight.size > 0) {
      return this.distrust(`${message.desc} created while table data was still loading`);
    }
    const verdict = this.itemKind(message.desc, isData);
    if (verdict) return this.distrust(verdict);
    if (isData) this.inFlight.add(message.id);
    return [];
  }

  /** Why an item of this kind makes early fingerprints untrustworthy (null: it does not). */
  private itemKind(desc: string | null, isData: boolean): string | null {
    if (desc === null) return 'an archive item of an unknown kind';
    if (UNSAFE_DESCS.includes(desc)) return `a ${desc} item (runs user code that could write to tables)`;
    if (isData && this.writeHooks) return 'table data loaded after a trigger or rule was created';
    if (WRITE_HOOK_DESCS.includes(desc)) this.writeHooks = true;
    return null;
  }

  private distrust(reason: string): ProgressEvent[] {
    if (this.distrusted) return [];
    this.distrusted = true;
    this.loading = null;
    return [{ kind: 'distrust', reason }];
  }
}
