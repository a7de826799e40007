/**
 * The vocabulary of classification: the independent axes every statement is
 * judged on, and the per-statement / per-file results (the shape of
 * `dbrollback classify --json`, see DESIGN.md).
 */
import type { TypeInfo } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';
import type { SchemaChange } from '../db/schema/diff.js';
import type { SchemaSnapshot } from '../db/schema/snapshot.js';

/** Can the previous app version keep running against the new schema? */
export type Compatibility = 'additive' | 'breaking';

/** What happens to existing data: nothing, some is dropped, or values are changed in place. */
export type DataLoss = 'none' | 'destructive' | 'rewrite';

/** Table-level lock modes, weakest first (PostgreSQL docs, "Explicit Locking"). */
export const LOCK_LEVELS = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockLevel = (typeof LOCK_LEVELS)[number];

/** Which tool's file it is, as classify read it: a registered tool's kind (tools/registry.ts). */
export type MigrationFileKind = string;

/** What a rule finding does to a statement's verdict (absent = no effect on that axis). */
export interface Effect {
  compatibility?: 'breaking';
  dataLoss?: 'destructive' | 'rewrite';
  /** The table is rewritten (new relfilenode): time and disk proportional to its size, under the lock. */
  rewritesTable?: boolean;
  /** A full scan to validate (NOT NULL, constraint, partition bound) while the lock is held. */
  longValidation?: boolean;
  /** A down migration cannot bring the prior state back (for reasons beyond data loss). */
  reversible?: false;
  /** The statement cannot be judged statically (DO blocks, function calls). */
  opaque?: boolean;
}

export interface Finding {
  /** Stable rule id (what `-- dbrollback-ignore <rule-id>` names). */
  rule: string;
  message: string;
  /** The safe alternative. */
  help: string;
  /** What this finding contributes to the statement's verdict (used by --fail-on, which ignores suppressed findings). */
  effect: Effect;
  /** The pre-existing object it is about (`column:public.t.c`, `table:public.t`), when the rule names one. */
  object?: string;
}

export interface StatementVerdict {
  /** The statement's text, without its terminating semicolon. */
  sql: string;
  /** 1-based line of the statement's first character in the file. */
  line: number;
  /** The parser's node type (`AlterTableStmt`, `IndexStmt`, ...). */
  kind: string;
  compatibility: Compatibility;
  dataLoss: DataLoss;
  /** null when the statement is opaque (a DO block, a function call). */
  reversible: boolean | null;
  /** The strongest lock taken on a pre-existing relation, or null when none is. */
  lock: LockLevel | null;
  rewritesTable: boolean;
  longValidation: boolean;
  /** false for statements that cannot run inside a transaction block (CONCURRENTLY, VACUUM, enum ADD VALUE before 12). */
  transactional: boolean;
  findings: Finding[];
  /** Findings silenced by `-- dbrollback-ignore`; they still count in the verdict axes (facts stay facts). */
  suppressed: Finding[];
}

/** The verdict axes of SQL text: the worst of its statements (an empty text is additive, lossless, reversible). */
export interface VerdictAxes {
  compatibility: Compatibility;
  dataLoss: DataLoss;
  /**
   * Can a down migration restore the prior state with no data loss: false when a statement
   * destroys or rewrites data (or the tool says the migration is irreversible / has no down),
   * null when a statement is opaque and nothing else decides it.
   */
  reversible: boolean | null;
  lock: LockLevel | null;
  rewritesTable: boolean;
  longValidation: boolean;
  /**
   * false when the text runs a statement outside any transaction block (one that cannot run inside one, and
   * is not put in one). A statement that cannot, sent inside one anyway (the tool's transaction, the file's
   * BEGIN, golang-migrate's or Prisma's several statements sent as one query), fails there: the text is still
   * transactional, and concurrently-in-transaction says it fails.
   */
  transactional: boolean;
}

export interface FileVerdict extends VerdictAxes {
  path: string;
  kind: MigrationFileKind;
  /** Where the SQL came from: the file itself, or captured by running the tool in a scratch database. */
  source: 'static' | 'captured';
  statements: StatementVerdict[];
  /** New objects the up filled with computed values (their data is derived: see Fill). */
  fills: Fill[];
  /**
   * The down migration: whether there is one (`yes`, `irreversible`, `missing`; null when
   * unknown, e.g. a lone .sql file) and, when its SQL could be read, its classification.
   */
  down: DownInfo | null;
  /** What applying the migration changed in a scratch database's catalog, when it was run there (code migrations). */
  catalog?: {
    changes: SchemaChange[];
    disagreements: string[];
    /** Findings the catalog showed to be false (a DROP DEFAULT of a column without one, a type change with no rewrite), with why. */
    overruled?: Array<{ rule: string; line: number; object: string; why: string }>;
  };
}

/**
 * A new object the migration filled with values it computed when it ran: a
 * column it added and then set with an UPDATE (from other tables or columns,
 * or a constant), a table it created and then filled (INSERT, CREATE TABLE AS).
 * A down that drops it drops derived data, recomputable by running the up again.
 */
export interface Fill {
  object: 'column' | 'table';
  /** `schema.table` */
  table: string;
  /** The filled column (object `column`), else null. */
  column: string | null;
  /** An INSERT's explicit column list (object `table`); empty when it has none. */
  columns: string[];
  /** The alias the UPDATE gave its table (`UPDATE orders o ...`), else null. */
  alias: string | null;
  /** The filling statement's node type, text and line. */
  kind: string;
  sql: string;
  line: number;
}

export interface DownInfo {
  /** As MigrationInfo's DownKind (an `inferred` down is `yes` here); `empty`: it does nothing. */
  kind: 'yes' | 'irreversible' | 'empty' | 'missing';
  /** Why it is not `yes` (e.g. `its down throws (...)`). */
  note?: string;
  /** Where the down's SQL came from (a .down.sql file, or the migration file whose down was captured). */
  path: string | null;
  compatibility: Compatibility | null;
  dataLoss: DataLoss | null;
  statements: StatementVerdict[];
  /**
   * Tables and columns the down drops that its up did not create (`column public.t.c`):
   * data that existed before the migration, which undo would destroy. Absent when none.
   */
  dropsExisting?: string[];
  /**
   * Indexes the down drops that its up did not create (`index entries_account_id_index`): an earlier
   * migration's, which undo would leave missing. Absent when none.
   */
  dropsOtherIndexes?: string[];
  /**
   * What the down, run after its up in a scratch database (code migrations), left different from
   * the schema before the up (`down of X leaves type public.t, which did not exist before X`).
   * Absent when it left nothing different, or was not run there.
   */
  roundTrip?: string[];
}

export interface ClassifySqlOptions {
  /** Target server's major version (11..17); rules that depend on it use it. Default 17. */
  serverVersion?: number;
  /** The migration tool runs the file inside a transaction (affects CONCURRENTLY and friends). Default false. `several-statements`: as SqlPart's. */
  inTransaction?: boolean | 'several-statements';
  /** Where the SQL came from, for error messages (a path). */
  source?: string;
  /** Line of the SQL's first character in `source` (when SQL was cut out of a bigger file). Default 1. */
  firstLine?: number;
  /**
   * The live schema the SQL will run against (from schemaSnapshot). With it, rules know
   * e.g. a column's current type, so a widening type change is not reported as breaking.
   */
  schema?: SchemaSnapshot;
  /**
   * Objects known to be created by this migration before its statements are read
   * (`table:public.t`, `column:public.t.c`, `sequence:public.s`), e.g. from the
   * catalog diff of a code migration run in a scratch database.
   */
  created?: Iterable<string>;
  /**
   * Column types known from the migrations before this one (a folder classified in the tool's
   * order), used where no live `schema` is given.
   */
  priorColumns?: (table: string, column: string) => TypeInfo | undefined;
  /**
   * CHECK conditions (the parser's tree) known from the migrations before this one, by table and
   * constraint name, used where no live `schema` is given: a CHECK swapped for a wider one is no tightening.
   */
  priorChecks?: (table: string, name: string) => unknown;
  /** Called with each statement after it was classified (the caller records what it did). */
  onStatement?: (stmt: ParsedStatement) => void;
}

/** A whole SQL text's classification: its statements and their worst. */
export interface SqlClassification extends VerdictAxes {
  statements: StatementVerdict[];
  fills: Fill[];
}

export const DEFAULT_SERVER_VERSION = 17;
