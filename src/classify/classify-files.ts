/**
 * Classify migration files: SQL files statically, each read as its tool reads
 * it (a `.up.sql` with its `.down.sql`, node-pg-migrate's `-- Up Migration`
 * files, any other `.sql` as plain SQL: the tools' `sqlFiles` readers), and
 * code migrations by capturing the SQL their tool runs in a scratch database
 * (the tool's `capture`), then classifying that.
 *
 * Bad input in the paths given is refused before anything runs (an
 * unreadable path, a file that is not a migration). A file of a folder that
 * cannot be classified — SQL the parser rejects (file:line:column and the
 * parser's message), an empty or unreadable file — is reported in `errors`
 * and the rest is classified: a real history's broken down file must not
 * hide the verdicts of the others (the caller exits 2 at the end).
 *
 * Files are read in the tool's order, and the column types the earlier ups
 * defined judge the later type changes (history-columns.ts).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError, orList } from '../errors.js';
import { addedObjects, type SchemaDiff } from '../db/schema/diff.js';
import type { SchemaSnapshot } from '../db/schema/snapshot.js';
import { PARSE_AHEAD_MIN_FILES, startParseAhead, type ParseAhead } from '../sql/parse-ahead.js';
import { initParser, ParserNotLoaded, parserReady, parsingAhead } from '../sql/parser.js';
import { skipTrivia } from '../sql/sql-lexer.js';
import type { ScratchOptions } from '../tools/capture/scratch.js';
import { ambiguous, detectCodeTool, folderMatches } from '../tools/detect.js';
import { MIGRATOR_KINDS, toolOf, TOOLS } from '../tools/registry.js';
import type { CapturedSql } from '../tools/capture/captured-sql.js';
import { ListedFiles } from '../tools/listed-files.js';
import type { CapturedFile, FileProbe, MigrationTool, SqlFileParts, SqlPart } from '../tools/tool.js';
import { unreadableFile } from '../tools/unreadable-file.js';
import type { ParsedStatement } from '../sql/parser.js';
import { judgedByCatalog, type OverruledFinding } from './catalog-decides.js';
import { checksBefore, classifySqlSync } from './classify-sql.js';
import { dropsExisting, dropsOtherIndexes } from './drops-existing.js';
import { HistoryChecks } from './history-checks.js';
import { HistoryColumns } from './history-columns.js';
import { reconcile } from './reconcile.js';
import type { ClassifySqlOptions, DownInfo, FileVerdict, MigrationFileKind, SqlClassification } from './types.js';
import { andReversible, summarize } from './verdict.js';

export interface ClassifyFilesOptions {
  /** Target server major version (default 17). */
  serverVersion?: number;
  /**
   * The project's migration tool (--migrator): its reading of .sql files is
   * tried first, and it captures code migrations. Default: the other tools'
   * readers in the registry's order; for code, the tool the config or the
   * files show.
   */
  migrator?: string;
  /** The config module's exports: a code tool may find its project there (umzug's `umzug` export). */
  configModule?: Record<string, unknown>;
  /** The config file: part of the capture cache's keys (its content and local imports decide what code migrations send). */
  configFile?: string;
  /** The capture cache directory (default from the environment: captureCacheDir); null turns it off. */
  cacheDir?: string | null;
  /** Where code migrations are run to capture their SQL (default: a local throwaway cluster). */
  scratch?: ScratchOptions;
  /** The live schema, so rules know current column types. */
  schema?: SchemaSnapshot;
  /** The history table (and schema), for tools that let the project name it. */
  migrationsTable?: string;
  migrationsSchema?: string;
  /** Progress lines (scratch database, capture). */
  onProgress?: (line: string) => void;
  /**
   * Parse a long history's files ahead on a worker thread (default true; from 64 .sql files on):
   * the same verdicts, sooner on a machine with a second core (src/sql/parse-ahead.ts).
   */
  parseAhead?: boolean;
}

export interface ClassifyReport {
  files: FileVerdict[];
  /**
   * How each folder given without --migrator was read, and why: the tool
   * whose format its files are in (detection by the files, as status and
   * migrate see them without a database), or the tools that read every file
   * alike. Empty with --migrator, and for folders no tool claims.
   */
  readAs: FolderReading[];
  /**
   * Files that could not be classified (SQL PostgreSQL's parser rejects, an empty or unreadable
   * file), each with the parser's message and line; the others are classified all the same.
   */
  errors: ClassifyFileError[];
}

export interface FolderReading {
  path: string;
  /** The tool whose reading classify used (its files' `kind`). */
  migrator: string;
  /** Why, in detection's words. */
  reason: string;
}

export interface ClassifyFileError {
  path: string;
  code: string;
  message: string;
  hint: string | null;
  /** Where the parser stopped (SQL_SYNTAX), else null. */
  line: number | null;
  column: number | null;
  /** PostgreSQL's parser's own message (SQL_SYNTAX), else null. */
  parserMessage: string | null;
}

/** Bad input that concerns one file: reported for it, and the rest of the folder is classified. */
const PER_FILE_ERRORS = new Set(['SQL_SYNTAX', 'NOT_A_MIGRATION', 'FILE_UNREADABLE', 'PLACEHOLDER_MISSING']);

const CODE_EXT = /\.(c|m)?(j|t)s$/i;
const SQL_EXT = /\.sql$/i;

interface Entry {
  path: string;
  type: 'sql' | 'code';
  /** The tool whose reading of its folder the file follows (without --migrator: the one detection chose). */
  owner?: MigrationTool | undefined;
}

/** Classify every migration in the given files and directories, in order. */
export async function classifyFiles(paths: readonly string[], options: ClassifyFilesOptions = {}): Promise<ClassifyReport> {
  if (paths.length === 0) throw new DbrollbackError('USAGE', 'nothing to classify: give one or more migration files or directories');
  // The parser is loaded here only when this thread needs it: a long history's files are parsed on
  // the other core, and loading it (~20 ms of CPU) would be spent for a few files at most. A step
  // that needs it and finds it missing (ParserNotLoaded) is run again once it is loaded.
  const entries: Entry[] = [];
  const readAs: FolderReading[] = [];
  const configured = options.migrator !== undefined ? toolOf(options.migrator) : undefined;
  // The folders' listings answer the readers' "is there a down beside it" questions.
  const listed = new ListedFiles();
  // A long history's files are parsed ahead on the other core while the rules run here; the worker
  // starts loading the parser as soon as a folder lists that many .sql files.
  const early: { ahead: ParseAhead | null } = { ahead: null };
  const wantsAhead = (sqlFiles: number): boolean => options.parseAhead !== false && sqlFiles >= PARSE_AHEAD_MIN_FILES;
  const onListing = (sqlFiles: number): void => {
    if (wantsAhead(sqlFiles)) early.ahead ??= startParseAhead();
  };
  try {
    for (;;) {
      try {
        for (const p of paths) entries.push(...(await expand(path.resolve(p), p, configured, options.configModule, readAs, listed, onListing)));
        break;
      } catch (err) {
        // A tool's reader parses its files (Prisma's, Flyway's) while the folder is read: once more, with the parser.
        if (!(err instanceof ParserNotLoaded) || parserReady()) throw err;
        await initParser();
        entries.length = 0;
        readAs.length = 0;
      }
    }
  } catch (err) {
    early.ahead?.close();
    throw err;
  }

  const results = new Map<string, FileVerdict>();
  const errors: ClassifyFileError[] = [];
  // Column types the ups before each file defined, so later type changes are judged against them.
  const history = new HistoryColumns();
  // The CHECK constraints they defined, so a later swap for a wider CHECK is judged against the one it replaces.
  const checks = new HistoryChecks();
  // Static files first: a syntax error is reported before any scratch database is started.
  // Read and classified one by one, in the tool's order; a file that cannot be classified is
  // reported and the next one classified. Reads are synchronous: for 1,000 local files, 10 ms of
  // CPU against 80 ms through fs/promises (four thread-pool round trips and promises per file),
  // and the parse after each read is CPU-bound anyway.
  const readers = new Map<string | undefined, SqlReaders>();
  const readersOf = (tool: MigrationTool | undefined): SqlReaders => {
    if (!readers.has(tool?.kind)) readers.set(tool?.kind, sqlReaders(tool));
    return readers.get(tool?.kind)!;
  };
  const sqlPaths = entries.filter((e) => e.type === 'sql').map((e) => e.path);
  let ahead: ParseAhead | null = null;
  if (wantsAhead(sqlPaths.length)) {
    ahead = early.ahead ?? startParseAhead();
    ahead.parse(withSameNamedDowns(sqlPaths, listed));
  } else {
    early.ahead?.close();
  }
  // The live schema's column types are read with the parser, which must not be found missing there.
  if (!ahead || options.schema) await initParser();
  let stopTaking = ahead ? parsingAhead(ahead) : null;
  try {
    for (const entry of entries) {
      if (entry.type !== 'sql') continue;
      const classify = (): void => {
        try {
          results.set(entry.path, classifySqlFile(entry.path, readersOf(entry.owner ?? configured), listed, options, history, checks));
        } catch (err) {
          if (!(err instanceof DbrollbackError) || !PER_FILE_ERRORS.has(err.code)) throw err;
          errors.push(fileError(entry.path, err));
        }
      };
      try {
        classify();
      } catch (err) {
        // A file the other thread could not parse (or a reader that parses): once more, with this thread's parser.
        // Nothing of the file was kept: its verdict, error and history are recorded only once it is classified.
        if (!(err instanceof ParserNotLoaded) || parserReady()) throw err;
        stopTaking?.();
        await initParser();
        stopTaking = ahead ? parsingAhead(ahead) : null;
        classify();
      }
    }
  } finally {
    stopTaking?.();
    ahead?.close();
  }
  const code = entries.filter((e) => e.type === 'code').map((e) => e.path);
  if (code.length > 0) {
    await initParser();
    for (const verdict of await classifyCode(code, options)) results.set(verdict.path, verdict);
  }
  return { files: entries.filter((e) => results.has(e.path)).map((e) => results.get(e.path)!), errors, readAs };
}

/** Each file followed by the `.down.sql` of its `.up.sql` when the folder holds one (most tools' downs are parsed too). */
function withSameNamedDowns(files: readonly string[], listed: ListedFiles): string[] {
  const out: string[] = [];
  for (const file of files) {
    out.push(file);
    if (!/\.up\.sql$/i.test(file)) continue;
    const down = file.replace(/\.up\.sql$/i, '.down.sql');
    if (listed.exists(down)) out.push(down);
  }
  return out;
}

function fileError(file: string, err: DbrollbackError): ClassifyFileError {
  const details = (err.details ?? {}) as { file?: unknown; line?: unknown; column?: unknown; parserMessage?: unknown };
  return {
    // A .down.sql's error names the down file.
    path: typeof details.file === 'string' ? details.file : file,
    code: err.code,
    message: err.message,
    hint: err.hint ?? null,
    line: typeof details.line === 'number' ? details.line : null,
    column: typeof details.column === 'number' ? details.column : null,
    parserMessage: typeof details.parserMessage === 'string' ? details.parserMessage : null,
  };
}

/**
 * The order migration tools apply files in, where a tool says nothing more
 * precise: by the number they start with (`10_` before `100_`, as
 * golang-migrate, dbmate and the sql tool read versions), then by name.
 */
function numberedOrder(a: string, b: string): number {
  const na = /^\d+/.exec(a)?.[0];
  const nb = /^\d+/.exec(b)?.[0];
  if (na !== undefined && nb !== undefined) {
    const diff = BigInt(na) - BigInt(nb);
    if (diff !== 0n) return diff < 0n ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Classify one migration by its file path (what `plan` does for an adapter's migration). */
export async function classifyMigrationFile(file: string, options: ClassifyFilesOptions = {}): Promise<FileVerdict> {
  return (await classifyFiles([file], options)).files[0]!;
}

async function expand(abs: string, shown: string, configured: MigrationTool | undefined, configModule: Record<string, unknown> | undefined, readAs: FolderReading[], listed: ListedFiles, onListing: (sqlFiles: number) => void): Promise<Entry[]> {
  let info;
  try {
    info = await stat(abs);
  } catch (cause) {
    throw unreadableFile(shown, cause);
  }
  if (info.isDirectory()) {
    // A folder whose migrations are in sub-folders, as its tool lays them out.
    const laidOut = [configured, ...TOOLS].map((t) => t?.sqlFiles?.migrationFiles?.(abs) ?? null).find((files) => files !== null);
    if (laidOut && laidOut.length > 0) return laidOut.map((file) => ({ path: file, type: 'sql' as const }));
    let dirents;
    try {
      dirents = (await readdir(abs, { withFileTypes: true })).sort((a, b) => numberedOrder(a.name, b.name));
    } catch (cause) {
      throw unreadableFile(shown, cause);
    }
    const names = new Set(dirents.map((d) => d.name));
    listed.addListing(abs, names);
    onListing(dirents.filter((d) => SQL_EXT.test(d.name)).length);
    const entries: Entry[] = [];
    for (const dirent of dirents) {
      const name = dirent.name;
      if (name.startsWith('.') || name.endsWith('.d.ts')) continue;
      const full = path.join(abs, name);
      const isFile = dirent.isFile() || (dirent.isSymbolicLink() && (await stat(full).then((s) => s.isFile(), () => false)));
      if (!isFile) continue;
      // A part another file carries (a .down.sql beside its .up.sql) is classified with it.
      if (TOOLS.some((t) => t.sqlFiles?.isCompanion?.(name, names))) continue;
      if (SQL_EXT.test(name)) entries.push({ path: full, type: 'sql' });
      else if (CODE_EXT.test(name) || (await capturedFile(full))) entries.push({ path: full, type: 'code' });
    }
    if (entries.length === 0) {
      throw new DbrollbackError('NOT_A_MIGRATION', `${shown} holds no migration files (.sql, .js, .mjs, .cjs, .ts, Liquibase XML/YAML/JSON changelogs)`, {
        hint: 'Point classify at the migrations directory, or at the migration files themselves.',
      });
    }
    // Without --migrator, the folder is read as the tool detection finds in it (as status and migrate would).
    const reading = configured ? null : await folderReading(abs, shown, entries, configModule, listed);
    if (reading) readAs.push({ path: abs, migrator: reading.tool.kind, reason: reading.reason });
    const owner = configured ?? reading?.tool;
    for (const entry of entries) entry.owner = owner;
    // The tool's apply order (else that of the tool whose names the folder holds), where it is not the names' order.
    const order = (owner?.sqlFiles?.compareFiles ? owner : TOOLS.find((t) => t.sqlFiles?.claimsFolder?.(names)))?.sqlFiles?.compareFiles;
    return order ? entries.sort((a, b) => order(a.path, b.path)) : entries;
  }
  if (SQL_EXT.test(abs) || [configured, ...TOOLS].some((t) => t?.sqlFiles?.readsAsSql?.(path.basename(abs)))) return [{ path: abs, type: 'sql' }];
  if ((CODE_EXT.test(abs) && !abs.endsWith('.d.ts')) || (await capturedFile(abs))) return [{ path: abs, type: 'code' }];
  throw new DbrollbackError('NOT_A_MIGRATION', `${shown} is not a migration file (expected .sql, .js/.mjs/.cjs/.ts code migrations, or a Liquibase XML/YAML/JSON changelog)`, {
    hint: `Classify the migration files of a project (${MIGRATOR_KINDS.join(', ')}), or a directory holding them.`,
  });
}

/**
 * The tool whose reading of a folder's .sql files classify follows, without
 * --migrator: the one tool detection finds by the files (golang-migrate when
 * only pairing by version explains a down); when several match (a plain SQL
 * folder golang-migrate also reads), the first in the registry's order if
 * they pair every up with the same down — the answers are then the same —
 * else refused naming them, as detection refuses (MIGRATOR_AMBIGUOUS).
 */
async function folderReading(abs: string, shown: string, entries: readonly Entry[], configModule: Record<string, unknown> | undefined, listed: FileProbe): Promise<{ tool: MigrationTool; reason: string } | null> {
  const sqlFiles = entries.filter((e) => e.type === 'sql').map((e) => e.path);
  if (sqlFiles.length === 0) return null;
  const matches = (await folderMatches(TOOLS, abs, configModule, (file) => listed.read(file))).filter((m) => m.tool.sqlFiles);
  if (matches.length === 0) return null;
  const first = matches[0]!;
  if (matches.length === 1) return { tool: first.tool, reason: first.match.reason };
  const difference = firstDifference(
    matches.map((m) => m.tool),
    sqlFiles,
    listed,
  );
  const named = matches.map((m) => m.tool.kind).join(' and ');
  if (difference === null) return { tool: first.tool, reason: `${named} read it alike, every up with the same down (${matches.map((m) => `${m.tool.kind}: ${m.match.reason}`).join('; ')})` };
  throw ambiguous(matches, `the migrations in ${shown} match more than one migration tool, and they read ${path.basename(difference.file)} differently (${difference.readings.join('; ')}), which changes what classify answers`, MIGRATOR_KINDS);
}

/** The first file the tools read differently (another down, or none), with each tool's reading; null when they all agree. */
function firstDifference(tools: readonly MigrationTool[], files: readonly string[], listed: FileProbe): { file: string; readings: string[] } | null {
  const readers = tools.map((tool) => ({ tool, readers: sqlReaders(tool) }));
  for (const file of files) {
    let text: string;
    try {
      text = listed.read(file);
    } catch {
      // Reported as that file's error when it is classified.
      continue;
    }
    const readings = readers.map(({ tool, readers: r }) => `${tool.kind}: ${downReading(file, text, r, listed)}`);
    const bare = readings.map((x) => x.slice(x.indexOf(':') + 1));
    if (bare.some((x) => x !== bare[0])) return { file, readings };
  }
  return null;
}

function downReading(file: string, text: string, readers: SqlReaders, listed: FileProbe): string {
  try {
    const { parts } = readSql(file, text, readers, listed);
    if (parts.down === null) return 'no down';
    const down = parts.down();
    return down.path === null ? `down ${down.kind}` : `down ${path.basename(down.path)}${down.kind === 'yes' ? '' : ` (${down.kind})`}`;
  } catch (err) {
    if (err instanceof ParserNotLoaded) throw err;
    return `unreadable (${(err as Error).message})`;
  }
}

/** A file a tool's capture reads although it is not code (a Liquibase XML/YAML changelog). */
async function capturedFile(file: string): Promise<boolean> {
  for (const tool of TOOLS) if (await tool.capture?.claims?.(file)) return true;
  return false;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw unreadableFile(file, cause);
  }
}

function empty(file: string): DbrollbackError {
  return new DbrollbackError('NOT_A_MIGRATION', `${file} is empty: it holds no SQL statements`, {
    hint: 'Put the migration\'s SQL in the file, or leave the file out.',
  });
}

/** The readers of .sql files, in the order a file is offered to them: the configured tool's first, then the registry's order. */
interface SqlReaders {
  own: Array<{ tool: MigrationTool; read: (file: string, text: string, files: FileProbe) => SqlFileParts | null }>;
  plain: Array<{ tool: MigrationTool; read: (file: string, text: string) => SqlFileParts }>;
}

function sqlReaders(configured: MigrationTool | undefined): SqlReaders {
  const tools = configured ? [configured, ...TOOLS.filter((t) => t.kind !== configured.kind)] : [...TOOLS];
  const own: SqlReaders['own'] = [];
  const plain: SqlReaders['plain'] = [];
  for (const tool of tools) {
    const reader = tool.sqlFiles;
    if (reader) own.push({ tool, read: (f, t, files) => reader.read(f, t, files) });
    if (reader?.readPlain) plain.push({ tool, read: (f, t) => reader.readPlain!(f, t) });
  }
  return { own, plain };
}

/** The file as the first tool that reads it as its own reads it; else as plain SQL. */
function readSql(file: string, text: string, readers: SqlReaders, files: FileProbe): { kind: MigrationFileKind; parts: SqlFileParts } {
  for (const { tool, read } of readers.own) {
    const parts = read(file, text, files);
    if (parts) return { kind: tool.kind, parts };
  }
  const plain = readers.plain[0];
  if (!plain) throw new DbrollbackError('INTERNAL', `no migration tool reads plain .sql files, so ${file} cannot be classified`);
  return { kind: plain.tool.kind, parts: plain.read(file, text) };
}

function classifySqlFile(file: string, readers: SqlReaders, files: FileProbe, options: ClassifyFilesOptions, history: HistoryColumns, checks: HistoryChecks): FileVerdict {
  let text: string;
  try {
    text = files.read(file);
  } catch (cause) {
    throw unreadableFile(file, cause);
  }
  if (!hasStatements(text)) throw empty(file);
  const { kind, parts } = readSql(file, text, readers, files);
  // The up is judged against the columns the earlier ups defined; its own statements are recorded
  // for the later ones once the whole file classified (a broken down leaves no trace).
  const upStatements: ParsedStatement[] = [];
  const up = classifySqlSync(parts.up.text, {
    ...sqlOptionsFor(parts.up, options),
    priorColumns: (table, column) => history.typeOf(table, column),
    priorChecks: (table, name) => checks.definition(table, name),
    onStatement: (stmt) => void upStatements.push(stmt),
  });
  const verdict = withDown(file, kind, up, parts, options, upStatements);
  for (let i = 0; i < upStatements.length; i++) {
    history.record(upStatements[i]!);
    checks.record(upStatements[i]!);
  }
  return verdict;
}

function withDown(file: string, kind: MigrationFileKind, up: SqlClassification, parts: SqlFileParts, options: ClassifyFilesOptions, upStatements: readonly ParsedStatement[]): FileVerdict {
  if (parts.down === null) return fileVerdict(file, kind, 'static', up, null);
  const down = parts.down();
  if (down.kind !== 'yes') return fileVerdict(file, kind, 'static', up, { kind: down.kind, path: down.path, compatibility: null, dataLoss: null, statements: [] });
  const downStatements: ParsedStatement[] = [];
  const d = classifySqlSync(down.text, { ...sqlOptionsFor(down, options), onStatement: (stmt) => void downStatements.push(stmt) });
  const existing = dropsExisting(d, upStatements);
  const indexes = dropsOtherIndexes(downStatements, upStatements);
  return fileVerdict(file, kind, 'static', up, {
    kind: 'yes',
    path: down.path,
    compatibility: d.compatibility,
    dataLoss: d.dataLoss,
    statements: d.statements,
    ...(existing.length > 0 ? { dropsExisting: existing } : {}),
    ...(indexes.length > 0 ? { dropsOtherIndexes: indexes } : {}),
  });
}

function sqlOptionsFor(part: SqlPart, options: ClassifyFilesOptions): ClassifySqlOptions {
  return {
    serverVersion: options.serverVersion,
    schema: options.schema,
    source: part.path,
    firstLine: part.firstLine,
    ...(part.inTransaction !== undefined ? { inTransaction: part.inTransaction } : {}),
  };
}

function fileVerdict(file: string, kind: MigrationFileKind, source: FileVerdict['source'], up: SqlClassification, down: DownInfo | null): FileVerdict {
  const downOk = down === null ? true : down.kind === 'yes' && down.dropsExisting === undefined && down.dropsOtherIndexes === undefined && down.roundTrip === undefined;
  return {
    path: file,
    kind,
    source,
    compatibility: up.compatibility,
    dataLoss: up.dataLoss,
    reversible: andReversible(up.reversible, downOk),
    lock: up.lock,
    rewritesTable: up.rewritesTable,
    longValidation: up.longValidation,
    transactional: up.transactional,
    statements: up.statements,
    fills: up.fills,
    down,
  };
}

/** Anything but comments, whitespace and semicolons (hasSql's answer, without rewriting the text). */
function hasStatements(text: string): boolean {
  for (let i = skipTrivia(text, 0); i < text.length; i = skipTrivia(text, i + 1)) {
    if (text[i] !== ';') return true;
  }
  return false;
}

async function classifyCode(files: string[], options: ClassifyFilesOptions): Promise<FileVerdict[]> {
  const tool = await codeToolFor(files, options);
  for (const file of files) {
    const text = await readText(file);
    if (text.trim() === '') throw empty(file);
  }
  const captured = await tool.capture!.files(files, {
    scratch: options.scratch ?? {},
    configModule: options.configModule,
    ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    migrationsTable: options.migrationsTable,
    migrationsSchema: options.migrationsSchema,
    onProgress: options.onProgress ?? (() => undefined),
  });
  return captured.map((c) => capturedVerdict(tool, c, options));
}

/** The tool that runs these code migrations: --migrator, else the one the config or the files show. */
async function codeToolFor(files: readonly string[], options: ClassifyFilesOptions): Promise<MigrationTool> {
  const readsCode = (t: MigrationTool | undefined) => t?.capture !== undefined && t.capture.readsCode !== false;
  const codeKinds = TOOLS.filter(readsCode).map((t) => t.kind);
  const configured = options.migrator !== undefined ? toolOf(options.migrator) : undefined;
  // Files a tool claims by what they hold (Liquibase's changelogs) are that tool's, whatever else reads code.
  for (const tool of configured ? [configured] : TOOLS) {
    const claims = tool.capture?.claims;
    if (claims && (await Promise.all(files.map((f) => claims(f)))).every(Boolean)) return tool;
  }
  if (configured && !readsCode(configured)) {
    throw new DbrollbackError('NOT_A_MIGRATION', `${files[0]} is code, but the migrator is ${configured.kind} (${configured.displayName}), whose migrations are not code`, {
      hint: `Pass --migrator ${orList(codeKinds)} for code migrations.`,
    });
  }
  return configured ?? detectCodeTool(TOOLS, files, options.configModule);
}

function capturedVerdict(tool: MigrationTool, c: CapturedFile, options: ClassifyFilesOptions): FileVerdict {
  const sqlOptions = { serverVersion: options.serverVersion, schema: options.schema };
  const upStatements: ParsedStatement[] = [];
  const up = c.upUnits
    ? classifyUnits(c.upUnits, { ...sqlOptions, source: c.path })
    : classifySqlSync(c.up.sql, { ...sqlOptions, source: c.path, inTransaction: c.up.inTransaction, onStatement: (stmt) => void upStatements.push(stmt), ...(c.diff ? { created: addedObjects(c.diff), priorChecks: checksBefore(c.diff) } : {}) });
  let down: DownInfo | null = null;
  if (c.down) {
    down = { kind: c.down.kind, path: c.down.sql || c.down.kind !== 'missing' ? c.path : null, compatibility: null, dataLoss: null, statements: [], ...(c.down.note ? { note: c.down.note } : {}) };
    if (c.down.sql) {
      const downStatements: ParsedStatement[] = [];
      const d = classifySqlSync(c.down.sql.sql, { ...sqlOptions, source: `${c.path} (down)`, inTransaction: c.down.sql.inTransaction, onStatement: (stmt) => void downStatements.push(stmt) });
      // Units (Liquibase) are classified apart: their up statements are not collected, so nothing is said of them.
      const indexes = c.upUnits ? [] : dropsOtherIndexes(downStatements, upStatements);
      down = { ...down, compatibility: d.compatibility, dataLoss: d.dataLoss, statements: d.statements, ...(indexes.length > 0 ? { dropsOtherIndexes: indexes } : {}) };
    }
    if (c.down.roundTrip) down = { ...down, roundTrip: c.down.roundTrip };
  }
  if (c.diff) {
    // The catalog decides the findings about the catalog (catalog-decides.ts), then the verdicts are reconciled.
    const judged = judgedByCatalog(up, c.diff);
    return withCatalog(fileVerdict(c.path, tool.kind, 'captured', judged.classification, down), c.diff, judged.overruled);
  }
  const verdict = fileVerdict(c.path, tool.kind, 'captured', up, down);
  if (c.applyError) return { ...verdict, catalog: { changes: [], disagreements: [`not applied in the scratch database (no catalog diff): ${c.applyError}`] } };
  return verdict;
}

/** Units the tool runs one by one (Liquibase's changesets), each classified on its own, at its lines in the joined text. */
function classifyUnits(units: readonly CapturedSql[], options: ClassifySqlOptions): SqlClassification {
  const statements: SqlClassification['statements'] = [];
  const fills: SqlClassification['fills'] = [];
  let line = 1;
  let transactional = true;
  // Each unit is judged against what the earlier ones defined, as a file against the earlier files: a CHECK dropped and
  // added again wider in a later changeset (one value more) replaces the one an earlier changeset added.
  const columns = new HistoryColumns();
  const checks = new HistoryChecks();
  const prior = options.schema ? {} : { priorColumns: (table: string, column: string) => columns.typeOf(table, column), priorChecks: (table: string, name: string) => checks.definition(table, name) };
  for (const unit of units) {
    const own: ParsedStatement[] = [];
    const c = classifySqlSync(unit.sql, { ...options, ...prior, firstLine: line, inTransaction: unit.inTransaction, onStatement: (stmt) => void own.push(stmt) });
    for (const stmt of own) {
      columns.record(stmt);
      checks.record(stmt);
    }
    statements.push(...c.statements);
    fills.push(...c.fills);
    // Whether a unit runs a statement outside any transaction block is the unit's to say (its own transaction setting).
    transactional &&= c.transactional;
    line += unit.sql.split('\n').length;
  }
  return { ...summarize(statements), transactional, statements, fills };
}

/** The verdict reconciled with what applying the migration did to the catalog. */
function withCatalog(verdict: FileVerdict, diff: SchemaDiff, overruled: OverruledFinding[]): FileVerdict {
  // A down that ran in the scratch database (its statements captured) and left no round-trip difference, by DDL
  // (not by deleting from pg_enum itself, which leaves rows holding the value unreadable).
  const down = verdict.down;
  const downRoundTrips =
    down?.kind === 'yes' && down.statements.length > 0 && down.roundTrip === undefined && down.dropsExisting === undefined && down.dropsOtherIndexes === undefined && !down.statements.some((s) => /\bpg_enum\b/i.test(s.sql) && /^(Delete|Update|Insert)Stmt$/.test(s.kind ?? ''));
  const r = reconcile(verdict, diff, { downRoundTrips });
  return {
    ...verdict,
    compatibility: r.compatibility,
    dataLoss: r.dataLoss,
    reversible: r.reversible,
    rewritesTable: r.rewritesTable,
    catalog: { changes: diff.changes, disagreements: r.disagreements, overruled },
  };
}
