/**
 * Which applied migrations a down target selects — one implementation shared
 * by every adapter, so `--count` and `--to` mean the same thing whatever the tool.
 */
import { DbrollbackError } from '../errors.js';
import type { DownTarget, MigrationInfo } from './contract.js';
import { compareStrings } from '../compare-strings.js';
import { findNamedMigration } from './named-migration.js';

/**
 * The applied migrations `target` selects, newest first.
 *  - `{count: N}`: the last N applied (1 ≤ N ≤ applied);
 *  - `{to: NAME}`: every migration applied after NAME (NAME stays applied);
 *    NAME already the head → [] (nothing to undo; the caller decides what that means).
 * A migration the tool re-applies instead of undoing (`staysApplied`: a Flyway
 * repeatable) is never selected nor counted, as the tool's own undo skips it.
 * `applied` is the tool's history order, oldest first. `known` (every migration the tool
 * knows, applied or not) lets the error say "pending" instead of "not found", whether
 * NAME is the name, the file name or a tag (golang-migrate's version) of the pending one.
 */
export function selectForDown(applied: readonly MigrationInfo[], target: DownTarget, known: readonly MigrationInfo[] = []): MigrationInfo[] {
  return selectWithStaying(applied, target, known).selected;
}

export interface Selection {
  /** What undo takes back, newest first. */
  selected: MigrationInfo[];
  /** Applied after the oldest selected (or after NAME, for --to) and left applied by the undo (`staysApplied`), oldest first. */
  staying: MigrationInfo[];
}

/** `selectForDown`, with the migrations recorded among the selected ones that the undo leaves applied. */
export function selectWithStaying(applied: readonly MigrationInfo[], target: DownTarget, known: readonly MigrationInfo[] = []): Selection {
  const units = applied.filter(undoable);
  if ('count' in target) {
    const { count } = target;
    if (!Number.isInteger(count) || count < 1) {
      throw new DbrollbackError('USAGE', `--count must be a whole number of at least 1 (got ${count})`, {
        hint: 'Pass --count N to undo the last N applied migrations, or --to NAME to undo everything applied after NAME.',
      });
    }
    if (applied.length === 0) {
      throw new DbrollbackError('USAGE', `--count ${count}: no migration is applied, so there is nothing to undo`, {
        hint: 'Run `dbrollback status` to see the migration history of this database.',
      });
    }
    const kept = applied.filter((m) => !undoable(m));
    if (units.length === 0) {
      const first = kept[0]!;
      throw new DbrollbackError('USAGE', `--count ${count}: nothing to undo: the only applied ${kept.length === 1 ? 'migration is' : 'migrations are'} ${names(kept)}, which undo leaves applied (${first.staysApplied})`, {
        hint: `Nothing was changed. To change what ${kept.length === 1 ? 'it does' : 'they do'}, change ${kept.length === 1 ? 'its script' : 'their scripts'} and migrate again; to go back to before ${kept.length === 1 ? 'it' : 'them'}, restore a backup taken earlier (\`dbrollback backups\` lists them). Run \`dbrollback status\` to see the history.`,
        details: { count, applied: 0, staysApplied: kept.map((m) => m.name) },
      });
    }
    if (count > units.length) {
      const also = kept.length > 0 ? ` (${names(kept)} ${kept.length === 1 ? 'is' : 'are'} applied too, but undo leaves ${kept.length === 1 ? 'it' : 'them'} applied and does not count ${kept.length === 1 ? 'it' : 'them'}: ${kept[0]!.staysApplied})` : '';
      throw new DbrollbackError('USAGE', `--count ${count} is more than the ${units.length} applied migration${units.length === 1 ? '' : 's'}${kept.length > 0 ? ' undo can take back' : ''}${also}`, {
        hint: `Pass --count ${units.length} or less (run \`dbrollback status\` to see what is applied). Nothing was changed.`,
        details: { count, applied: units.length, ...(kept.length > 0 ? { staysApplied: kept.map((m) => m.name) } : {}) },
      });
    }
    const selected = units.slice(units.length - count).reverse();
    return { selected, staying: keptAfter(applied, applied.indexOf(selected.at(-1)!)) };
  }

  // NAME by the rule every command shares (named-migration.ts): a tag names the migration it was set on, and undoing
  // to it keeps that migration, as the tool's own rollback to a tag does.
  const named = findNamedMigration(target.to, { applied, pending: known.filter((m) => !m.applied) }, 'applied');
  if (named === undefined || !named.applied) {
    const appliedNames = applied.map((m) => m.name);
    const pending = named?.migration.name;
    if (pending !== undefined) {
      const head = appliedNames.at(-1);
      throw new DbrollbackError('MIGRATION_NOT_FOUND', `--to ${target.to}: ${pending === target.to ? 'that migration' : pending} is pending (not applied), so the database cannot be rolled back to it`, {
        hint:
          head === undefined
            ? 'No migration is applied. Run `dbrollback status` to see the migration history.'
            : `Applied migrations (newest last): ${appliedNames.slice(-5).join(', ')}; the head is ${head}. --to takes an applied migration, which stays applied (--count 1 undoes ${units.at(-1)?.name ?? head}). Run \`dbrollback status\` for the full list.`,
        details: { name: pending, pending: true, head: head ?? null },
      });
    }
    const name = target.to;
    const near = nearestNames(name, appliedNames);
    const hint =
      near.length > 0
        ? `Applied migrations with similar names: ${near.join(', ')}. Run \`dbrollback status\` for the full list.`
        : appliedNames.length > 0
          ? `Applied migrations (newest last): ${appliedNames.slice(-5).join(', ')}. Run \`dbrollback status\` for the full list.`
          : 'No migration is applied. Run `dbrollback status` to see the migration history.';
    throw new DbrollbackError('MIGRATION_NOT_FOUND', `--to ${name}: no applied migration has that name`, { hint, details: { name, nearby: near } });
  }
  const found = named.migration;
  const index = applied.indexOf(found);
  if (!undoable(found)) {
    const others = units.map((m) => m.name);
    throw new DbrollbackError('USAGE', `--to ${found.name}: undo leaves it applied whatever is undone (${found.staysApplied}), so it is no point to undo to`, {
      hint: `Nothing was changed. Name a migration undo takes back${others.length > 0 ? ` (applied, newest last: ${others.slice(-5).join(', ')})` : ''}, or pass --count N. Run \`dbrollback status\` for the full list.`,
      details: { name: found.name, staysApplied: true },
    });
  }
  return { selected: applied.slice(index + 1).filter(undoable).reverse(), staying: keptAfter(applied, index) };
}

/** Whether undo takes the migration back (and counts it): everything but what the tool re-applies instead. */
function undoable(m: MigrationInfo): boolean {
  return m.staysApplied === undefined;
}

/** The migrations applied after position `index` that undo leaves applied, oldest first. */
function keptAfter(applied: readonly MigrationInfo[], index: number): MigrationInfo[] {
  return applied.slice(index + 1).filter((m) => !undoable(m));
}

function names(ms: readonly MigrationInfo[]): string {
  return ms.map((m) => m.name).join(', ');
}

/** Up to `limit` names closest to `wanted` (substring matches first, then by edit distance). */
export function nearestNames(wanted: string, names: readonly string[], limit = 5): string[] {
  const w = wanted.toLowerCase();
  const scored = names.map((name) => {
    const n = name.toLowerCase();
    const contains = n.includes(w) || w.includes(n) || stripPrefix(n) === stripPrefix(w);
    return { name, score: contains ? 0 : editDistance(stripPrefix(n), stripPrefix(w)) };
  });
  const threshold = Math.max(3, Math.floor(stripPrefix(w).length / 2));
  return scored
    .filter((s) => s.score <= threshold)
    .sort((a, b) => a.score - b.score || compareStrings(a.name, b.name))
    .slice(0, limit)
    .map((s) => s.name);
}

/** `1700000000000_add-email` and `003_add_email` both become `add-email`-ish, so a wrong prefix still matches. */
function stripPrefix(name: string): string {
  return name.replace(/^\d+[_-]?/, '').replace(/\.[a-z]+$/, '').replace(/_/g, '-');
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return prev[b.length]!;
}

/** A migration name the tool does not define (sqlOf / classification of a name that is not in the directory). */
export function migrationNotDefined(name: string, where: string): DbrollbackError {
  return new DbrollbackError('MIGRATION_NOT_FOUND', `no migration named ${name} is defined in ${where}`, {
    hint: 'Run `dbrollback status` for the migrations the tool knows.',
  });
}

/** The count `up(count)` takes: absent (everything pending) or a whole number of at least 1. */
export function assertUpCount(count: number | undefined): void {
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new DbrollbackError('USAGE', `--count must be a whole number of at least 1 (got ${count})`);
  }
}
