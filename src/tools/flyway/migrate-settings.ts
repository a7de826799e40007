/**
 * The Flyway settings that change what `flyway migrate` applies and what its
 * validation lets pass, read as Flyway 10–13 reads them:
 *
 *  - `target` (ClassicConfiguration.getTarget, MigrationVersion.fromVersion):
 *    `latest` (the default), `current` (the highest applied version: no new
 *    versioned migration), `next` (only the next pending migration), or a
 *    version — then a version no migration has stops Flyway ("No migration
 *    with a target version X could be found"), unless it is written
 *    `<version>?`, which goes up to it and not beyond without failing;
 *  - `ignoreMigrationPatterns` (ValidatePattern): a comma-separated list of
 *    `<type>:<state>`, the type `*`, `versioned` or `repeatable`, the state
 *    `*`, `missing`, `pending`, `ignored` or `future`, both case-insensitive;
 *    default `*:future`; an empty value means none.
 */
import { DbrollbackError } from '../../errors.js';
import { versionParts } from './names.js';

export type FlywayTarget =
  | { kind: 'latest' }
  | { kind: 'current'; raw: string; from: string }
  | { kind: 'next'; raw: string; from: string }
  /** A version; `failOnMissing` false for the `<version>?` form. */
  | { kind: 'version'; version: string; parts: bigint[]; failOnMissing: boolean; raw: string; from: string };

export type PatternType = '*' | 'versioned' | 'repeatable';
export type PatternState = '*' | 'missing' | 'pending' | 'ignored' | 'future';

export interface IgnorePattern {
  type: PatternType;
  state: PatternState;
  /** As written, for messages. */
  text: string;
}

export const DEFAULT_IGNORE_PATTERNS: readonly IgnorePattern[] = Object.freeze([{ type: '*', state: 'future', text: '*:future' }]);

/** `flyway.target` as written; `from` names where it was set. */
export function parseTarget(value: string | undefined, from: string): FlywayTarget {
  if (value === undefined || value.trim() === '') return { kind: 'latest' };
  const raw = value.trim();
  const failOnMissing = !raw.endsWith('?');
  const text = failOnMissing ? raw : raw.slice(0, -1);
  const lower = text.toLowerCase();
  if (lower === 'latest') return { kind: 'latest' };
  if (lower === 'current') return { kind: 'current', raw, from };
  if (lower === 'next') return { kind: 'next', raw, from };
  const version = text.replace(/_/g, '.');
  if (!/^\d+(\.\d+)*$/.test(version)) {
    throw new DbrollbackError('CONFIG_INVALID', `Invalid value for flyway.target: ${raw} (in ${from}): not a version, latest, current or next`, {
      hint: `Set target to a migration's version (e.g. 3 or 1.2), to latest, current or next, or a version followed by ? to stop there without failing when no migration has it (in ${from}); Flyway refuses this value too. Nothing was changed.`,
    });
  }
  return { kind: 'version', version, parts: versionParts(version), failOnMissing, raw, from };
}

/** `flyway.ignoreMigrationPatterns`: absent means Flyway's default `*:future`; an empty value means none. */
export function parseIgnorePatterns(value: string | undefined, from: string): IgnorePattern[] {
  if (value === undefined) return [...DEFAULT_IGNORE_PATTERNS];
  const out: IgnorePattern[] = [];
  for (const text of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const parts = text.split(':');
    const bad = (what: string) =>
      new DbrollbackError('CONFIG_INVALID', `Invalid ignoreMigrationPatterns entry '${text}' (in ${from}): ${what}`, {
        hint: `Write each pattern as <type>:<state> — type *, versioned or repeatable; state *, missing, pending, ignored or future — e.g. *:missing,repeatable:pending (in ${from}); Flyway refuses it too. Nothing was changed.`,
      });
    if (parts.length !== 2) throw bad('a pattern must be of the form <migration_type>:<migration_state>');
    const type = parts[0]!.trim().toLowerCase();
    const state = parts[1]!.trim().toLowerCase();
    if (type !== '*' && type !== 'versioned' && type !== 'repeatable') throw bad(`invalid migration type '${parts[0]}' (valid: *, repeatable, versioned)`);
    if (!['*', 'missing', 'pending', 'ignored', 'future'].includes(state)) throw bad(`invalid migration state '${parts[1]}' (valid: *, missing, pending, ignored, future)`);
    out.push({ type, state: state as PatternState, text });
  }
  return out;
}

/** ValidatePattern.matchesMigration: does a pattern let a migration of this kind in this state pass validation? */
export function ignores(patterns: readonly IgnorePattern[], versioned: boolean, state: Exclude<PatternState, '*'>): boolean {
  return patterns.some((p) => (p.state === '*' || p.state === state) && (p.type === '*' || (p.type === 'versioned') === versioned));
}
