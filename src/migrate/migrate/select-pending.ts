/** Which pending migrations `migrate` applies: all, the next N, or up to and including NAME. */
import { DbrollbackError } from '../../errors.js';
import type { MigrationInfo, MigrationStatus } from '../../tools/contract.js';
import { findNamedMigration } from '../../tools/named-migration.js';

export type UpTarget = { count: number } | { to: string };

export function selectPending(status: MigrationStatus, target: UpTarget | undefined): MigrationInfo[] {
  return runnable(status, pick(status, target));
}

function pick(status: MigrationStatus, target: UpTarget | undefined): MigrationInfo[] {
  // Pending migrations the tool's own migrate leaves (Flyway's target) are never applied: not by default, not past it.
  const pending = status.pending.filter((m) => m.skippedBy === undefined);
  const left = status.pending.filter((m) => m.skippedBy !== undefined);
  if (target === undefined) return pending;
  if ('count' in target) {
    if (!Number.isInteger(target.count) || target.count < 1) {
      throw new DbrollbackError('USAGE', `--count must be a whole number of at least 1 (got ${target.count})`);
    }
    if (target.count > pending.length) {
      if (left.length > 0) throw skippedRefusal(left[0]!, `--count ${target.count} is more than the ${pending.length} pending migration(s) the tool would apply`);
      throw new DbrollbackError('USAGE', `--count ${target.count} is more than the ${pending.length} pending migration(s)`, {
        hint: 'Run `dbrollback status` to see what is pending. Nothing was changed.',
      });
    }
    return pending.slice(0, target.count);
  }
  // NAME by the rule every command shares (named-migration.ts): its name, its file, or a tag (a dbmate or golang-migrate
  // version, a Sqitch or Liquibase tag), a pending migration first.
  const named = findNamedMigration(target.to, status, 'pending');
  const all = status.pending;
  if (named !== undefined && !named.applied) {
    const reached = named.migration;
    if (reached.skippedBy !== undefined) throw skippedRefusal(reached, `--to ${reached.name}`);
    return all.slice(0, all.indexOf(reached) + 1).filter((m) => m.skippedBy === undefined);
  }
  if (named !== undefined) {
    throw new DbrollbackError('USAGE', `${named.name} is already applied`, { hint: 'Run `dbrollback status` to see what is pending. Nothing was changed.' });
  }
  throw new DbrollbackError('MIGRATION_NOT_FOUND', `--to ${target.to}: no pending migration has that name`, {
    hint: 'Run `dbrollback status` for the migrations the tool knows. Nothing was changed.',
  });
}

/** A selection past what the tool's own migrate would apply, refused naming the tool's setting. */
function skippedRefusal(m: MigrationInfo, what: string): DbrollbackError {
  return new DbrollbackError('USAGE', `${what}: ${m.name} is pending but ${m.skippedBy}. dbrollback does not go past the tool's own configuration. Nothing was changed.`, {
    hint: m.skippedHint ?? 'Run `dbrollback status` to see what the tool would apply. Nothing was changed.',
    details: { migration: m.name },
  });
}

/**
 * A selection that reaches a migration dbrollback cannot apply (a Flyway Java
 * migration) is refused before anything runs, naming it and how far
 * dbrollback can go: migrate never runs past it.
 */
function runnable(status: MigrationStatus, selected: MigrationInfo[]): MigrationInfo[] {
  const index = selected.findIndex((m) => m.cannotRun !== undefined);
  if (index < 0) return selected;
  const blocker = selected[index]!;
  const before = index > 0 ? selected[index - 1]!.name : null;
  throw new DbrollbackError('MIGRATIONS_INVALID', `refusing to migrate: ${blocker.cannotRun}, and the migrations selected reach it. Nothing was applied.`, {
    hint:
      (blocker.cannotRunHint
        ? blocker.cannotRunHint.replace(/\.$/, '')
        : `Apply ${blocker.name} with the tool that can run it (for Flyway: \`flyway migrate\`, or the application's own Flyway, with the class on its classpath), then run dbrollback again`) +
      (before !== null ? `; or apply only what comes before it: \`dbrollback migrate --to ${before}\`.` : '.'),
    details: { migration: blocker.name, migrator: status.migrator },
  });
}
