/**
 * The runbooks' decision matrix, as a pure function of what each migration
 * to roll back did:
 *   nothing to roll back                         → app-only
 *   any irreversible / missing down,
 *   any up that destroyed or rewrote data        → restore
 *   only additive ups                            → schema-stays
 *   otherwise (breaking but reversible)          → undo
 */
import type { DownKind } from '../../tools/contract.js';
import type { Compatibility, DataLoss } from '../../classify/types.js';

export type PlanType = 'app-only' | 'schema-stays' | 'undo' | 'restore';

export interface MigrationFacts {
  name: string;
  down: DownKind;
  /** The up's verdict; null when its SQL could not be seen (code migrations). */
  compatibility: Compatibility | null;
  dataLoss: DataLoss | null;
}

export interface Decision {
  type: PlanType;
  /** One line per reason the type was chosen (why restore, why not schema-stays). */
  reasons: string[];
}

export function decide(migrations: readonly MigrationFacts[]): Decision {
  if (migrations.length === 0) return { type: 'app-only', reasons: ['no migration was applied after the target: the database needs no change'] };
  const restoreReasons: string[] = [];
  for (const m of migrations) {
    if (m.down === 'irreversible') restoreReasons.push(`${m.name} is irreversible: it declares no way back`);
    if (m.down === 'missing') restoreReasons.push(`${m.name} has no down migration`);
    if (m.dataLoss === 'destructive') restoreReasons.push(`${m.name} destroyed data that a down migration cannot bring back`);
    if (m.dataLoss === 'rewrite') restoreReasons.push(`${m.name} rewrote existing data in place; a down cannot restore the old values`);
  }
  if (restoreReasons.length > 0) return { type: 'restore', reasons: restoreReasons };
  const unknown = migrations.filter((m) => m.compatibility === null);
  const breaking = migrations.filter((m) => m.compatibility === 'breaking');
  if (unknown.length === 0 && breaking.length === 0) {
    return { type: 'schema-stays', reasons: ['every migration is additive: the previous application version keeps working on the current schema'] };
  }
  return {
    type: 'undo',
    reasons: [
      ...breaking.map((m) => `${m.name} is breaking: the previous application version may fail on the current schema`),
      ...unknown.map((m) => `${m.name} could not be classified (its SQL is only known by running it): treated as breaking`),
      'every down migration exists and no data was destroyed or rewritten: down migrations can take the schema back',
    ],
  };
}
