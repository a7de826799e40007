/** Every integrity check, in report order, and the --checks / --skip-checks selection. */
import { DbrollbackError } from '../errors.js';
import { CHECK_IDS, type Check, type CheckId } from './check.js';
import { amcheck } from './checks/amcheck.js';
import { connectivity } from './checks/connectivity.js';
import { constraints } from './checks/constraints.js';
import { custom } from './checks/custom.js';
import { enumValues } from './checks/enum-values.js';
import { fingerprints } from './checks/fingerprints.js';
import { indexes } from './checks/indexes.js';
import { rowCounts } from './checks/row-counts.js';
import { schemaHead } from './checks/schema-head.js';
import { schemaRoundTrip } from './checks/schema-round-trip.js';
import { sequences } from './checks/sequences.js';
import { toolVerify } from './checks/tool-verify.js';

export const CHECKS: readonly Check[] = [connectivity, schemaHead, schemaRoundTrip, toolVerify, rowCounts, fingerprints, enumValues, constraints, indexes, amcheck, sequences, custom];

/** The checks to run: `only` (default all) minus `skip`; an unknown id is a usage error naming the known ones. */
export function selectChecks(only?: readonly string[], skip?: readonly string[]): Check[] {
  const unknown = [...(only ?? []), ...(skip ?? [])].filter((id) => !(CHECK_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new DbrollbackError('USAGE', `unknown check${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `Known checks: ${CHECK_IDS.join(', ')}.`,
    });
  }
  const wanted = new Set<CheckId>((only && only.length > 0 ? only : CHECK_IDS) as CheckId[]);
  for (const id of skip ?? []) wanted.delete(id as CheckId);
  const selected = CHECKS.filter((c) => wanted.has(c.id));
  if (selected.length === 0) {
    throw new DbrollbackError('USAGE', 'no checks left to run (--checks and --skip-checks exclude them all)', { hint: `Known checks: ${CHECK_IDS.join(', ')}.` });
  }
  return selected;
}
