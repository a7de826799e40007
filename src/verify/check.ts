/**
 * The integrity-check contract: every check is one file under checks/ with an
 * `id` and a `run` that returns pass, fail or skip with a detail a tired
 * person can act on. A check that queries the database runs on a connection
 * borrowed from the gate's pool (`uses: 'connection'`); one that only
 * compares what the context computes — the live table scan, the head — takes
 * none (`uses: 'context'`).
 */
import type { Db } from '../db/connection.js';
import type { ConnInfo } from '../db/conninfo.js';
import type { ConnectionSource } from '../db/session.js';
import type { Baseline } from './baseline.js';
import type { TableRef } from '../fingerprint/fingerprint.js';
import type { LiveTables } from './live-tables.js';
import type { SchemaChange } from '../db/schema/diff.js';
import type { SchemaSnapshot } from '../db/schema/snapshot.js';
import type { ParsedStatement } from '../sql/parser.js';

/**
 * The schema an undo must leave (the schema-round-trip check): equal by name to
 * the one recorded before the oldest undone migration, or — where the round
 * trip was rehearsed — changed by the downs exactly as the rehearsal's downs
 * changed it. `accepted`: differences the user accepted
 * (--accept-schema-difference), reported, not failed.
 */
export interface SchemaExpectation {
  expect:
    | {
        kind: 'record';
        migration: string;
        schema: SchemaSnapshot;
        exclude: string[];
        /** Objects migrations that stay applied through the undo made since the record (a Flyway repeatable's view), by keptKey: expected as they are. */
        kept?: Array<{ key: string; message: string }>;
        /** The schema just before the downs: what was there already, made since the record by something else. */
        before?: SchemaSnapshot;
        /** The undone migrations' up statements (null: unknown): an object one of them creates is the downs' to remove. */
        ups?: readonly ParsedStatement[] | null;
      }
    | { kind: 'changes'; changes: SchemaChange[]; exclude: string[]; before: SchemaSnapshot };
  accepted: Array<{ key: string; message: string }>;
}

/**
 * The schema recorded at the database's migration head, for a verify run
 * outside an undo (the schema-round-trip check): the record `migrate` took
 * just before it applied the migration that follows the head — the schema as
 * the head left it — or why there is none to compare with.
 */
export type HeadSchemaLookup =
  | {
      found: true;
      /** The head the record was taken at (null: before any migration). */
      head: string | null;
      /** The migration applied right after the record was taken. */
      before: string;
      /** When it was taken (ISO 8601). */
      time: string;
      /** Taken by an undo after its gate passed (the schema it left), with the differences it accepted; absent: taken by migrate. */
      undo?: { runId: string; accepted: string[] };
      schema: SchemaSnapshot;
      /** Left out of the comparison: the tool's history and bookkeeping, as in the record. */
      exclude: string[];
      /** `cluster`: matched by the cluster's system identifier as well; `name`: by the database's name alone (one side could not read it). */
      matchedBy: 'cluster' | 'name';
      /**
       * The up statements, where their SQL can be read, of the migrations after the head (not applied: what
       * a down must have removed again) and of the applied ones that stay applied through any undo (a Flyway
       * repeatable, re-applied since the record: what it made is expected as it is).
       */
      ups(): Promise<{ later: MigrationUp[]; staying: MigrationUp[] }>;
    }
  | { found: false; reason: string };

export interface MigrationUp {
  name: string;
  statements: readonly ParsedStatement[];
}

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckOutcome {
  status: CheckStatus;
  /** One line: what was checked and what was found. */
  detail: string;
  /** The specific findings, one per object (each names the table, index, FK or file). */
  problems?: string[];
  /** Facts for the JSON report (counts, names); shape is per check. */
  data?: Record<string, unknown>;
}

export interface CheckResult extends CheckOutcome {
  id: CheckId;
  durationMs: number;
}

/**
 * What the migration tool's own verification of the applied migrations said
 * (for a tool that has one: a verify script per migration), or why there is
 * none to run.
 */
export type ToolVerifyLookup = { available: false; reason: string } | ({ available: true; tool: string } & ToolVerifyOutcome);

export interface ToolVerifyOutcome {
  ok: boolean;
  /** One line: how many were verified and how many failed. */
  detail: string;
  /** One per failing migration, with the tool's reason. */
  problems: string[];
  data?: Record<string, unknown>;
}

/** What the migration tool says about the head, or why it cannot say. */
export type HeadLookup =
  /** `from`: the history table it was read from when no project was configured (the tool found by its table). */
  | { configured: true; head: string | null; migrator: string; from?: string; /** What else names the head: its dbmate or golang-migrate version, its Sqitch or Liquibase tags. */ headTags?: string[]; blocked?: string }
  /** `version`: the head as the table of that migrator identifies it when it cannot name it (see HistoryHead). */
  | { configured: false; reason: string; version?: { migrator: string; version: string }; blocked?: string };
// `blocked`: why the tool itself refuses to go on (golang-migrate's dirty version): the application's own migrate at startup would fail.

/**
 * Tables outside a partial baseline, judged without reading them: their
 * write counters (pg_stat_user_tables) and storage (relfilenode) before and
 * after the rollback. `moved` lists those that changed.
 */
import type { UntouchedEvidence } from './compare.js';
export type { UntouchedEvidence };

export interface VerifyContext {
  /** The target database (for messages and extra connections). */
  readonly conn: ConnInfo;
  /** More connections, from the gate's pool (its timeout closes them). */
  readonly connections: ConnectionSource;
  /** Connections that may hash tables at once. */
  readonly jobs: number;
  readonly baseline: Baseline | null;
  /** Tables the rollback was expected to change: differences are reported, not failed. */
  readonly expectChanged: TableRef[];
  readonly expectHead: string | undefined;
  readonly head: () => Promise<HeadLookup>;
  /** The migration tool's own verification of what is applied, run at most once per gate. */
  readonly toolVerify: () => Promise<ToolVerifyLookup>;
  /** Directory of the user's .sql checks; `explicit` when the user named it. */
  readonly checksDir: { dir: string; explicit: boolean };
  readonly installAmcheck: boolean;
  /** Statement timeout for the user's check queries, in milliseconds. */
  readonly statementTimeoutMs: number;
  /** Live row counts and fingerprints, computed once for the checks that compare against the baseline. */
  readonly live: LiveTables;
  /** What the schema must be after an undo; null outside one (the check then compares with the record at the head). */
  readonly schemaExpectation: SchemaExpectation | null;
  /** The schema recorded at the migration head, looked up at most once per gate (one storage read). */
  readonly headSchema: () => Promise<HeadSchemaLookup>;
  /** With a partial baseline: how the tables outside it were judged (write counters), when the caller could. */
  readonly untouched: UntouchedEvidence | undefined;
  log(line: string): void;
}

export const CHECK_IDS = ['connectivity', 'schema-head', 'schema-round-trip', 'tool-verify', 'row-counts', 'fingerprints', 'enum-values', 'constraints', 'indexes', 'amcheck', 'sequences', 'custom'] as const;

export type CheckId = (typeof CHECK_IDS)[number];

interface CheckInfo {
  readonly id: CheckId;
  /** One line for --help and docs. */
  readonly description: string;
}

/** Queries the database on a connection of its own while it runs. */
export interface DatabaseCheck extends CheckInfo {
  readonly uses: 'connection';
  run(db: Db, ctx: VerifyContext): Promise<CheckOutcome>;
}

/** Compares what the context computes; needs no connection. */
export interface ContextCheck extends CheckInfo {
  readonly uses: 'context';
  run(ctx: VerifyContext): Promise<CheckOutcome>;
}

export type Check = DatabaseCheck | ContextCheck;
