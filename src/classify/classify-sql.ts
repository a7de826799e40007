/**
 * Classify SQL text: parse it with PostgreSQL's parser, run the rules that
 * look at each statement's node type, and fold their effects into the
 * statement's verdict; the text's verdict is the worst of its statements.
 * Works for up and down migrations alike.
 */
import type { TypeInfo } from '../sql/ast.js';
import { typeInfo } from '../sql/ast.js';
import { FileState } from './file-state.js';
import { lockFacts } from './locks.js';
import { initParser, parseSql, type ParsedStatement } from '../sql/parser.js';
import { rulesFor } from './registry.js';
import type { RuleContext } from './rule.js';
import { DEFAULT_SERVER_VERSION, type ClassifySqlOptions, type Effect, type Finding, type SqlClassification, type StatementVerdict } from './types.js';
import { axesFromEffects, summarize } from './verdict.js';
import type { SchemaDiff } from '../db/schema/diff.js';
import type { SchemaSnapshot } from '../db/schema/snapshot.js';
import { DbrollbackError } from '../errors.js';
import { alterCmds, as } from '../sql/ast.js';

/** Classify SQL text (loads the parser on first use). */
export async function classifySql(sql: string, options: ClassifySqlOptions = {}): Promise<SqlClassification> {
  await initParser();
  return classifySqlSync(sql, options);
}

/** Same as classifySql, once `initParser()` has resolved (the benchmark and batch callers use this). */
export function classifySqlSync(sql: string, options: ClassifySqlOptions = {}): SqlClassification {
  const serverVersion = options.serverVersion ?? DEFAULT_SERVER_VERSION;
  if (!Number.isInteger(serverVersion) || serverVersion < 9 || serverVersion > 99) {
    throw new DbrollbackError('USAGE', `server version must be a PostgreSQL major version such as 15 (got ${String(options.serverVersion)})`);
  }
  const parsed = parseSql(sql, options.source, options.firstLine);
  const state = new FileState(options.created, options.schema ? checkLookup(options.schema) : options.priorChecks);
  state.noteTypeSwaps(parsed.statements);
  // The tool wraps the file in a transaction of its own (BEGIN/COMMIT in the file would end it early).
  const toolTransaction = options.inTransaction === true;
  // Sent as one query (golang-migrate, Prisma), several statements are one implicit transaction block: CONCURRENTLY
  // fails in it, but a BEGIN in the file only makes that block its own (PostgreSQL says nothing, commits nothing early)
  // — the way golang-migrate's documentation makes a file atomic. A lone statement runs outside any.
  const oneQueryBlock = options.inTransaction === 'several-statements' && parsed.statements.length > 1;
  const columnType = options.schema ? columnTypeLookup(options.schema) : (options.priorColumns ?? (() => undefined));
  const statements: StatementVerdict[] = [];
  /** A statement that cannot run in a transaction block ran outside one (not one sent inside one, where it fails). */
  let outsideTransaction = false;
  // Indexed loops and no object spreads in this file's per-statement code: it runs for every statement of a
  // history, mostly before V8 optimises it, and the interpreter pays for each iterator and copied object.
  for (let i = 0; i < parsed.statements.length; i++) {
    const stmt = parsed.statements[i]!;
    const ctx: RuleContext = {
      serverVersion,
      inTransaction: toolTransaction || oneQueryBlock || state.explicitTransaction,
      toolTransaction,
      state,
      columnType,
    };
    const verdict = classifyStatement(stmt, ctx, parsed.fileIgnores);
    if (!verdict.transactional && !ctx.inTransaction) outsideTransaction = true;
    statements.push(verdict);
    state.record(stmt, ctx.inTransaction);
    options.onStatement?.(stmt);
  }
  const summary = summarize(statements);
  return {
    compatibility: summary.compatibility,
    dataLoss: summary.dataLoss,
    reversible: summary.reversible,
    lock: summary.lock,
    rewritesTable: summary.rewritesTable,
    longValidation: summary.longValidation,
    transactional: !outsideTransaction,
    statements,
    fills: state.fills,
  };
}

/**
 * Shared by the statements without findings (most of a history) instead of two new arrays per
 * statement: nothing changes a verdict's lists once it is made, and frozen they would throw if
 * something did.
 */
const NO_FINDINGS = Object.freeze([]) as unknown as Finding[];
const NO_EFFECTS = Object.freeze([]) as unknown as Effect[];

function classifyStatement(stmt: ParsedStatement, ctx: RuleContext, fileIgnores: string[]): StatementVerdict {
  let findings = NO_FINDINGS;
  let suppressed = NO_FINDINGS;
  let effects = NO_EFFECTS;
  const rules = rulesFor(stmt);
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    const hits = rule.check(stmt, ctx);
    for (let h = 0; h < hits.length; h++) {
      const hit = hits[h]!;
      // Objects this file created have no old code depending on them and no data to lose.
      if (hit.object && ctx.state.isNew(hit.object)) continue;
      const finding: Finding = { rule: rule.id, message: hit.message, help: hit.help ?? rule.help, effect: hit.effect };
      if (hit.object) finding.object = hit.object;
      if (effects === NO_EFFECTS) effects = [];
      effects.push(hit.effect);
      const silenced = silences(stmt.ignores, rule.id) || silences(fileIgnores, rule.id);
      if (silenced) {
        if (suppressed === NO_FINDINGS) suppressed = [];
        suppressed.push(finding);
      } else {
        if (findings === NO_FINDINGS) findings = [];
        findings.push(finding);
      }
    }
  }
  const axes = axesFromEffects(effects);
  const { lock, transactional } = lockFacts(stmt, ctx.state, ctx.serverVersion);
  return {
    sql: stmt.sql,
    line: stmt.line,
    kind: stmt.kind,
    compatibility: axes.compatibility,
    dataLoss: axes.dataLoss,
    reversible: axes.reversible,
    lock,
    rewritesTable: axes.rewritesTable,
    longValidation: axes.longValidation,
    transactional,
    findings,
    suppressed,
  };
}

/** An ignore list (`-- dbrollback-ignore ...`) names this rule, or every rule. */
function silences(ignores: readonly string[], rule: string): boolean {
  for (let i = 0; i < ignores.length; i++) if (ignores[i] === '*' || ignores[i] === rule) return true;
  return false;
}

/** A column's current type from a snapshot, parsed into the same shape rules read from DDL. */
function columnTypeLookup(schema: SchemaSnapshot | undefined): (table: string, column: string) => TypeInfo | undefined {
  if (!schema) return () => undefined;
  const cache = new Map<string, TypeInfo | undefined>();
  return (table, column) => {
    const text = schema.relations[table]?.columns[column]?.type;
    if (!text) return undefined;
    if (!cache.has(text)) cache.set(text, parseTypeText(text));
    return cache.get(text);
  };
}

/** A CHECK's condition from a snapshot (`CHECK ((status = ANY (ARRAY[...])))`), as the parser reads it; undefined for other constraints. */
function checkLookup(schema: SchemaSnapshot): (table: string, name: string) => unknown {
  const cache = new Map<string, unknown>();
  return (table, name) => {
    const constraint = schema.relations[table]?.constraints[name];
    if (constraint?.type !== 'check') return undefined;
    if (!cache.has(constraint.definition)) cache.set(constraint.definition, checkCondition(constraint.definition));
    return cache.get(constraint.definition);
  };
}

/**
 * The CHECK conditions a captured migration's catalog diff shows as they were before it ran (the ones it
 * dropped or changed), for classifySql's `priorChecks`: a Knex `enu(...).alter()` or a raw CHECK swap is
 * judged against the check it replaced.
 */
export function checksBefore(diff: SchemaDiff): (table: string, name: string) => unknown {
  const before = new Map<string, string>();
  for (const change of diff.changes) {
    if (change.kind !== 'constraint') continue;
    const definition = change.change === 'altered' && change.detail === 'definition' ? change.before : change.change === 'removed' ? (change.before as { definition?: unknown } | undefined)?.definition : undefined;
    if (typeof definition === 'string' && definition.startsWith('CHECK')) before.set(change.object, definition);
  }
  const cache = new Map<string, unknown>();
  return (table, name) => {
    const definition = before.get(`${table}.${name}`);
    if (definition === undefined) return undefined;
    if (!cache.has(definition)) cache.set(definition, checkCondition(definition));
    return cache.get(definition);
  };
}

/** A CHECK constraint's condition from its definition text (`CHECK ((total >= 0))`, pg_get_constraintdef's), as the parser reads it. */
export function checkCondition(definition: string): unknown {
  try {
    const node = parseSql(`ALTER TABLE t ADD CONSTRAINT c ${definition}`).statements[0]?.node;
    return node ? as(alterCmds(node)[0]?.def, 'Constraint')?.raw_expr : undefined;
  } catch {
    return undefined;
  }
}

/** `character varying(50)` → TypeInfo, by letting the parser read `NULL::character varying(50)`. */
export function parseTypeText(text: string): TypeInfo | undefined {
  try {
    const parsed = parseSql(`SELECT NULL::${text}`);
    const target = parsed.statements[0]?.node.targetList as unknown[] | undefined;
    const cast = as(as(as(target?.[0], 'ResTarget')?.val, 'TypeCast') ? as(target?.[0], 'ResTarget')?.val : undefined, 'TypeCast');
    return typeInfo(cast?.typeName);
  } catch {
    return undefined;
  }
}

/** Findings whose effect matches a --fail-on condition, ignoring suppressed ones. */
export function failingFindings(statements: readonly StatementVerdict[], on: ReadonlyArray<'breaking' | 'destructive'>): Array<{ statement: StatementVerdict; finding: Finding }> {
  const out: Array<{ statement: StatementVerdict; finding: Finding }> = [];
  for (const statement of statements) {
    for (const finding of statement.findings) {
      const hit =
        (on.includes('breaking') && finding.effect.compatibility === 'breaking') ||
        (on.includes('destructive') && finding.effect.dataLoss === 'destructive');
      if (hit) out.push({ statement, finding });
    }
  }
  return out;
}
