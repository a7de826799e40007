/**
 * The classification rule contract. One rule per file in `rules/`, each with a
 * stable id (what `-- dbrollback-ignore <id>` names), a message, the safe
 * alternative (`help`), and its tests; `registry.ts` lists them all.
 *
 * A rule looks at one statement (with what the file did before it) and returns
 * hits. A hit carries its effect on the verdict axes, so the verdict is the sum
 * of the rules that fired: the knowledge of a pattern lives in one place.
 */
import type { TypeInfo } from '../sql/ast.js';
import type { FileState } from './file-state.js';
import type { ParsedStatement } from '../sql/parser.js';
import type { Effect } from './types.js';

export interface RuleContext {
  /** Target server's major version (11, 12, ... 17). */
  readonly serverVersion: number;
  /** The statement runs inside a transaction block (explicit BEGIN in the file, or the tool wraps the file). */
  readonly inTransaction: boolean;
  /** The migration tool wraps the whole file in a transaction. */
  readonly toolTransaction: boolean;
  /** What the file did before this statement (objects it created, constraints it added NOT VALID, ...). */
  readonly state: FileState;
  /**
   * The current type of an existing column, when the caller supplied the live schema
   * (classifySql's `schema` option); undefined otherwise.
   */
  columnType(table: string, column: string): TypeInfo | undefined;
}

export interface Hit {
  message: string;
  /** Overrides the rule's default help when the advice depends on the case. */
  help?: string;
  effect: Effect;
  /**
   * The pre-existing object the finding is about (`table:public.t`, `column:public.t.c`, ...).
   * When the file itself created that object earlier, the hit is dropped: a
   * new object has no old code depending on it and no data to lose.
   */
  object?: string;
}

export interface Rule {
  /** Stable, kebab-case. */
  readonly id: string;
  /** What the rule detects, one line (rule listings, docs). */
  readonly summary: string;
  /** The safe alternative. */
  readonly help: string;
  /**
   * Parse-tree node types the rule inspects (the registry dispatches on them);
   * `AlterTableStmt:AT_AddColumn` = ALTER TABLEs with that kind of subcommand only.
   */
  readonly nodes: readonly string[];
  check(stmt: ParsedStatement, ctx: RuleContext): Hit[];
  /**
   * Executable documentation, asserted by test/unit/classify/rules.test.ts for every rule:
   * each `flags` case must produce this rule's finding, each `passes` case must not.
   */
  readonly examples: { flags: RuleExample[]; passes: RuleExample[] };
}

/** SQL text (one migration file), optionally with the options it is classified under. */
export type RuleExample = string | { sql: string; serverVersion?: number; inTransaction?: boolean | 'several-statements' };

/** Shorthand for rules: define with the id/help once, return hits from `check`. */
export function defineRule(rule: Rule): Rule {
  return rule;
}
