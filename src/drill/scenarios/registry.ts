/**
 * The drill scenarios by name, built from what the run has: a scenario whose
 * inputs are missing is a usage error when named, and a skip (saying what is
 * missing) as part of `all`.
 */
import { MIGRATOR_CHOICES } from '../../tools/registry.js';
import { otherDefaultDirs } from '../../tools/detect.js';
import { DbrollbackError } from '../../errors.js';
import { migrationsScenario, type MigrationsDrillOptions } from './migrations.js';
import { pitrScenario, type PitrDrillOptions } from './pitr.js';
import { restoreScenario, type RestoreDrillOptions } from './restore.js';
import { SCENARIO_NAMES, type Scenario, type ScenarioName } from './scenario.js';

export interface ScenarioInputs {
  migrations?: MigrationsDrillOptions;
  restore?: RestoreDrillOptions;
  pitr?: PitrDrillOptions;
  /** The working directory: a project folder there that was not passed (golang-migrate's or dbmate's db/migrations) is named in the migrations drill's skip. */
  cwd?: string;
}

const MISSING: Record<ScenarioName, { what: string; hint: string }> = {
  migrations: { what: 'no migrations are configured', hint: `Pass --migrations DIR (and --migrator ${MIGRATOR_CHOICES} if it cannot be detected).` },
  restore: { what: 'no storage is configured to restore a backup from', hint: 'Pass --storage URL (or set DBROLLBACK_STORAGE) where `dbrollback backup` keeps its backups.' },
  pitr: { what: 'no storage is configured to recover from', hint: 'Pass --storage URL (or set DBROLLBACK_STORAGE).' },
};

export function selectScenarios(which: ScenarioName | 'all', inputs: ScenarioInputs): Scenario[] {
  if (which !== 'all' && !SCENARIO_NAMES.includes(which)) {
    throw new DbrollbackError('USAGE', `unknown drill scenario "${String(which)}"`, { hint: `dbrollback drill ${[...SCENARIO_NAMES, 'all'].join('|')}` });
  }
  const names = which === 'all' ? SCENARIO_NAMES : [which];
  return names.map((name) => {
    const built = build(name, inputs);
    if (built) return built;
    // The project's folder where dbrollback does not look by default, named with the flags it needs.
    const found = name === 'migrations' ? otherDefaultDirs(inputs.cwd) : '';
    const what = `${MISSING[name].what}${found}`;
    if (which !== 'all') throw new DbrollbackError('USAGE', `drill ${name}: ${what}`, { hint: MISSING[name].hint });
    return { name, unavailable: found ? what : `${what} (${MISSING[name].hint})`, run: () => Promise.reject(new Error(what)) };
  });
}

function build(name: ScenarioName, inputs: ScenarioInputs): Scenario | null {
  switch (name) {
    case 'migrations':
      return inputs.migrations ? migrationsScenario(inputs.migrations) : null;
    case 'restore':
      return inputs.restore ? restoreScenario(inputs.restore) : null;
    case 'pitr':
      return inputs.pitr ? pitrScenario(inputs.pitr) : null;
  }
}
