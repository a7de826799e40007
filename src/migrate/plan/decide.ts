/**
 * The runbooks' decision matrix, as a pure function of what each migration
 * to roll back did:
 *   nothing to roll back                         → app-only
 *   only additive ups that lost no data          → schema-stays (also where no
 *                                                  down can take them back: a
 *                                                  tool without downs, a missing
 *                                                  or irreversible down — the
 *                                                  schema need not go, and a
 *                                                  restore would discard every
 *                                                  write since; the reasons say
 *                                                  undo is not the way)
 *   a tool without downs (Drizzle, Prisma),
 *   any irreversible / missing down (or an empty
 *   one, unless nothing needs undoing, or one that
 *   writes the system catalogs itself),
 *   any up that destroyed or rewrote data        → restore
 *   otherwise (breaking but reversible)          → undo
 */
import type { DownKind } from '../../tools/contract.js';
import type { Compatibility, DataLoss } from '../../classify/types.js';

export type PlanType = 'app-only' | 'schema-stays' | 'undo' | 'restore';

/** schema-stays' first reason; the others say why no down could take the migrations back, where none can. */
export const ADDITIVE_REASON = 'every migration is additive: the previous application version keeps working on the current schema';

export interface MigrationFacts {
  name: string;
  down: DownKind;
  /** Why the down is what it is (a down that throws, an empty one). */
  downNote?: string;
  /** The up's verdict; null when its SQL could not be seen (code migrations). */
  compatibility: Compatibility | null;
  dataLoss: DataLoss | null;
  /** System catalogs its down writes directly (`DELETE FROM pg_catalog.pg_enum`). */
  downWritesCatalog?: readonly string[];
}

export interface Decision {
  type: PlanType;
  /** One line per reason the type was chosen (why restore, why not schema-stays). */
  reasons: string[];
}

export interface ToolFacts {
  /** False for a tool without down migrations (Drizzle, Prisma): every way back is a restore. */
  hasDowns: boolean;
  /** The tool as people write it, for the reason. */
  name: string;
}

export function decide(migrations: readonly MigrationFacts[], tool: ToolFacts = { hasDowns: true, name: 'the migration tool' }): Decision {
  if (migrations.length === 0) return { type: 'app-only', reasons: ['no migration was applied after the target: the database needs no change'] };
  // Every reason for a restore, in the migrations' order; those that only say no down can take a migration back
  // (a restore is then the way, unless the schema may stay) are also in noWayBack.
  const restoreReasons: string[] = [];
  const noWayBack: string[] = [];
  const noDown = (reason: string): void => {
    restoreReasons.push(reason);
    noWayBack.push(reason);
  };
  if (!tool.hasDowns) noDown(`${tool.name} has no down migrations: the way back past ${migrations.map((m) => m.name).join(', ')} is a restore`);
  for (const m of migrations) {
    if (tool.hasDowns && m.down === 'irreversible') noDown(`${m.name} is irreversible: ${m.downNote ?? 'it declares no way back'}`);
    // An empty down undoes nothing: fine when the schema may stay, a reason to restore when it must go back.
    if (tool.hasDowns && m.down === 'empty' && (m.compatibility !== 'additive' || m.dataLoss !== 'none')) restoreReasons.push(emptyReason(m));
    // The tool's own why (Flyway: a repeatable, which no U script can name) beats a bare "no down".
    if (tool.hasDowns && m.down === 'missing') noDown(`${m.name} has no down migration${m.downNote ? ` (${m.downNote})` : ''}`);
    if (tool.hasDowns && m.downWritesCatalog && m.downWritesCatalog.length > 0) {
      restoreReasons.push(
        `${m.name}'s down writes the system catalog directly (${m.downWritesCatalog.join(', ')}), past PostgreSQL's own checks: rows still holding a value deleted from pg_enum become unreadable ("invalid internal value for enum"); no down can take it back safely`,
      );
    }
    if (m.dataLoss === 'destructive') restoreReasons.push(`${m.name} destroyed data that a down migration cannot bring back`);
    if (m.dataLoss === 'rewrite') restoreReasons.push(`${m.name} rewrote existing data in place; a down cannot restore the old values`);
  }
  const unknown = migrations.filter((m) => m.compatibility === null);
  const breaking = migrations.filter((m) => m.compatibility === 'breaking');
  const additive = unknown.length === 0 && breaking.length === 0;
  if (restoreReasons.length === noWayBack.length && additive) {
    // Nothing needs undoing: that no down could undo it is a note, not a reason to discard every write since.
    return { type: 'schema-stays', reasons: [ADDITIVE_REASON, ...noWayBack] };
  }
  if (restoreReasons.length > 0) return { type: 'restore', reasons: restoreReasons };
  const empty = migrations.filter((m) => m.down === 'empty');
  if (empty.length > 0) return { type: 'restore', reasons: [...breaking.map((m) => `${m.name} is breaking and must be undone`), ...empty.map(emptyReason)] };
  return {
    type: 'undo',
    reasons: [
      ...breaking.map((m) => `${m.name} is breaking: the previous application version may fail on the current schema`),
      ...unknown.map((m) => `${m.name} could not be classified (its SQL is only known by running it): treated as breaking`),
      'every down migration exists and no data was destroyed or rewritten: down migrations can take the schema back',
    ],
  };
}

function emptyReason(m: MigrationFacts): string {
  return `${m.name}'s down is empty (${m.downNote ?? 'it does nothing'}): undoing it would only remove its history record and leave its change in place`;
}
