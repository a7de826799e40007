/**
 * Reconciling the static verdict with what a migration really did to the
 * catalog (applied in a scratch database, snapshots diffed). The catalog
 * cannot see row changes (UPDATE/DELETE leave it alone), and static analysis
 * cannot see into code (DO blocks, functions, umzug callbacks): the final
 * verdict is the worse of the two on every axis, and every place where the
 * catalog shows something the statements did not say is reported.
 */
import { compareTypes } from './type-change.js';
import { checkRelaxes } from './check-constraints.js';
import { checkCondition, parseTypeText } from './classify-sql.js';
import type { SchemaChange, SchemaDiff } from '../db/schema/diff.js';
import type { Compatibility, DataLoss } from './types.js';
import { andReversible, worseCompatibility, worseDataLoss } from './verdict.js';

export interface DynamicVerdict {
  compatibility: Compatibility;
  dataLoss: DataLoss;
  /** false when the catalog shows a change no down can undo without data (a drop, an enum value added). */
  reversible: boolean;
  rewritesTable: boolean;
  /** Why each axis is what it is, one line per deciding change. */
  reasons: string[];
}

export interface StaticAxes {
  compatibility: Compatibility;
  dataLoss: DataLoss;
  reversible: boolean | null;
  rewritesTable: boolean;
}

export interface Reconciliation extends StaticAxes {
  dynamic: DynamicVerdict;
  /** What the catalog showed that the static verdict missed (and vice versa, for schema changes). */
  disagreements: string[];
}

export interface ReconcileOptions {
  /**
   * The migration's down was run after it in the scratch database and left
   * the schema as it was before (no round-trip difference): enum values the
   * up added were taken away again (TypeORM's generated down rebuilds the
   * type without them), so they do not make the migration irreversible.
   */
  downRoundTrips?: boolean;
}

/** What a catalog diff says about compatibility, data loss and rewrites. */
export function verdictFromDiff(diff: SchemaDiff, options: ReconcileOptions = {}): DynamicVerdict {
  const out: DynamicVerdict = { compatibility: 'additive', dataLoss: 'none', reversible: true, rewritesTable: false, reasons: [] };
  const addedTables = new Set(diff.changes.filter((c) => c.change === 'added' && (c.kind === 'table' || c.kind === 'view')).map((c) => c.object));
  const onNewTable = (c: SchemaChange): boolean => [...addedTables].some((t) => c.object.startsWith(`${t}.`));
  const breaking = (_c: SchemaChange, why: string): void => {
    out.compatibility = 'breaking';
    out.reasons.push(`breaking: ${why}`);
  };
  const destructive = (why: string): void => {
    out.dataLoss = worseDataLoss(out.dataLoss, 'destructive');
    out.reversible = false;
    out.reasons.push(`destructive: ${why}`);
  };
  for (const c of diff.changes) {
    if (onNewTable(c)) continue;
    const what = `${c.kind} ${c.object}`;
    switch (c.change) {
      case 'removed':
        if (c.kind === 'table' || c.kind === 'column' || c.kind === 'sequence') {
          breaking(c, `${what} removed`);
          destructive(`${what} removed`);
        } else if (c.kind !== 'index' && c.kind !== 'constraint') {
          breaking(c, `${what} removed`);
        }
        break;
      case 'renamed':
        if (c.kind !== 'index' && c.kind !== 'constraint' && c.kind !== 'trigger') breaking(c, `${what} renamed to ${c.detail}`);
        break;
      case 'rewritten':
        if (c.kind === 'table') {
          out.rewritesTable = true;
          out.reasons.push(`rewrite: table ${c.object} got a new relfilenode`);
        }
        break;
      case 'added':
        if (c.kind === 'constraint' && !relaxesARemovedCheck(c, diff) && !uniqueOnNullColumns(c, diff)) breaking(c, `constraint ${c.object} added to an existing table`);
        if (c.kind === 'index' && (c.after as { unique?: boolean } | undefined)?.unique && !uniqueOnNullColumns(c, diff)) breaking(c, `unique index ${c.object} added to an existing table`);
        break;
      case 'altered':
        alteredVerdict(c, what, breaking, out, options);
        break;
    }
  }
  return out;
}

function alteredVerdict(c: SchemaChange, what: string, breaking: (c: SchemaChange, why: string) => void, out: DynamicVerdict, options: ReconcileOptions): void {
  if (c.kind === 'column' && c.detail === 'type') {
    const from = parseTypeText(String(c.before));
    const to = parseTypeText(String(c.after));
    const change = to ? compareTypes(from, to) : undefined;
    if (!change?.widening) breaking(c, `${what} type ${String(c.before)} → ${String(c.after)}`);
    if (change?.lossy) {
      out.dataLoss = worseDataLoss(out.dataLoss, 'rewrite');
      out.reversible = false;
      out.reasons.push(`rewrite: ${what} values converted ${String(c.before)} → ${String(c.after)}`);
    }
  } else if (c.kind === 'column' && c.detail === 'notNull' && c.after === true) {
    breaking(c, `${what} became NOT NULL`);
  } else if (c.kind === 'column' && c.detail === 'default' && c.after === null) {
    breaking(c, `${what} lost its default`);
  } else if (c.kind === 'column' && c.detail === 'identity' && (c.after === 'always' || c.after === null)) {
    breaking(c, `${what} identity ${String(c.before)} → ${String(c.after)}`);
  } else if (c.kind === 'enum') {
    if (/removed|reordered/.test(c.detail)) breaking(c, `${what} ${c.detail}`);
    if (/values added/.test(c.detail) && options.downRoundTrips === true) {
      out.reasons.push(`note: ${what} ${c.detail}; its down takes them away again (round trip checked in a scratch database)`);
    } else if (/values added/.test(c.detail)) {
      out.reversible = false;
      out.reasons.push(`irreversible: ${what} ${c.detail} (enum values cannot be dropped)`);
    }
  } else if (c.kind === 'grant') {
    const before = (c.before as string[] | undefined) ?? [];
    const after = (c.after as string[] | undefined) ?? [];
    if (before.some((entry) => !after.includes(entry))) breaking(c, `privileges on ${c.object} reduced`);
  } else if (c.detail === 'row security' && c.after === true) {
    breaking(c, `${what} row level security enabled`);
  } else if (c.detail === 'persistence') {
    out.rewritesTable = true;
    out.reasons.push(`rewrite: ${what} persistence changed`);
  } else if (c.kind === 'constraint' && c.detail === 'definition' && isCheck(c.before) && !relaxed(String(c.before), String(c.after))) {
    breaking(c, `${what} ${String(c.before)} → ${String(c.after)} (old code's writes may fail it)`);
  } else if (c.kind === 'view' && c.detail === 'definition') {
    out.reasons.push(`note: ${what} definition changed`);
  }
}

/**
 * A UNIQUE (index or constraint) on columns the same migration added with
 * nothing to fill them (no default, identity or generation): the previous app
 * does not know them and writes NULL there, which no unique index refuses.
 */
function uniqueOnNullColumns(added: SchemaChange, diff: SchemaDiff): boolean {
  const definition = (added.after as { definition?: unknown } | undefined)?.definition;
  if (typeof definition !== 'string') return false;
  const list = /^UNIQUE (?:NULLS NOT DISTINCT )?\(([^()]*)\)$/.exec(definition)?.[1] ?? /^CREATE UNIQUE INDEX .* USING btree \(([^()]*)\)$/.exec(definition)?.[1];
  if (list === undefined) return false;
  const table = added.object.slice(0, added.object.lastIndexOf('.'));
  return list.split(',').every((raw) => {
    const column = raw.trim().replace(/^"(.*)"$/, '$1').replace(/""/g, '"');
    const change = diff.changes.find((c) => c.kind === 'column' && c.change === 'added' && c.object === `${table}.${column}`);
    const after = change?.after as { default?: unknown; identity?: unknown; generated?: unknown } | undefined;
    return after !== undefined && after.default === null && after.identity === null && after.generated === null;
  });
}

const isCheck = (definition: unknown): definition is string => typeof definition === 'string' && definition.startsWith('CHECK');

/** Every row the `before` CHECK let in passes the `after` one (check-constraints.ts); false when that cannot be shown. */
function relaxed(before: string, after: string): boolean {
  const from = checkCondition(before);
  const to = checkCondition(after);
  return from !== undefined && to !== undefined && checkRelaxes(from, to);
}

/** An added CHECK that replaces one the same migration removed from its table, allowing all it allowed (a swap under another name). */
function relaxesARemovedCheck(added: SchemaChange, diff: SchemaDiff): boolean {
  const definition = (added.after as { definition?: unknown } | undefined)?.definition;
  if (!isCheck(definition)) return false;
  const table = added.object.slice(0, added.object.lastIndexOf('.'));
  return diff.changes.some((c) => {
    if (c.kind !== 'constraint' || c.change !== 'removed' || c.object.slice(0, c.object.lastIndexOf('.')) !== table) return false;
    const removed = (c.before as { definition?: unknown } | undefined)?.definition;
    return isCheck(removed) && relaxed(removed, definition);
  });
}

/** The final verdict: the worse of static and dynamic on each axis, with what the statements missed. */
export function reconcile(staticAxes: StaticAxes, diff: SchemaDiff, options: ReconcileOptions = {}): Reconciliation {
  const dynamic = verdictFromDiff(diff, options);
  const disagreements: string[] = [];
  if (dynamic.compatibility === 'breaking' && staticAxes.compatibility !== 'breaking') {
    disagreements.push(`the catalog shows breaking changes the statements did not: ${dynamic.reasons.filter((r) => r.startsWith('breaking')).join('; ')}`);
  }
  if (dynamic.dataLoss !== 'none' && worseDataLoss(staticAxes.dataLoss, dynamic.dataLoss) !== staticAxes.dataLoss) {
    disagreements.push(`the catalog shows data loss the statements did not: ${dynamic.reasons.filter((r) => /^(destructive|rewrite):/.test(r)).join('; ')}`);
  }
  if (dynamic.rewritesTable && !staticAxes.rewritesTable) {
    disagreements.push(`the catalog shows a table rewrite the statements did not: ${dynamic.reasons.filter((r) => r.startsWith('rewrite')).join('; ')}`);
  }
  if (staticAxes.compatibility === 'breaking' && dynamic.compatibility === 'additive') {
    disagreements.push('static analysis judged a change breaking that the catalog does not show (row-level effects, or a type change that turned out to be a widening)');
  }
  return {
    compatibility: worseCompatibility(staticAxes.compatibility, dynamic.compatibility),
    dataLoss: worseDataLoss(staticAxes.dataLoss, dynamic.dataLoss),
    reversible: andReversible(staticAxes.reversible, dynamic.reversible ? staticAxes.reversible : false),
    rewritesTable: staticAxes.rewritesTable || dynamic.rewritesTable,
    dynamic,
    disagreements,
  };
}
