/**
 * The migration a name typed on the command line means — `undo --to NAME`,
 * `plan --to NAME`, `migrate --to NAME`, `restore --before-migration NAME` —
 * by one rule, so a name that works for one works for all:
 *
 *   1. a migration whose name is NAME, as `dbrollback status` lists it (an
 *      applied one or a pending one: a migration's name wins over a tag);
 *   2. else the migration whose file NAME is, as `ls` shows it, with or
 *      without its folder, its down file included (file-name.ts);
 *   3. else a migration NAME is a tag of (a dbmate or golang-migrate version,
 *      a Sqitch or Liquibase tag): of the applied ones the latest carrying it
 *      (the point the tool's own rollback to that tag keeps), of the pending
 *      ones the first.
 *
 * There is no prefix or near-name matching: a rollback target is named
 * exactly, and a name that matches nothing is an error listing what there is
 * (select.ts' nearestNames suggests names; it never picks one).
 *
 * Each command looks on its own side first (`prefer`): undo, plan and a
 * restore want an applied migration, migrate a pending one. A match on the
 * other side is returned too, so the command's error can say "pending" or
 * "already applied" instead of "not found".
 */
import type { MigrationInfo } from './contract.js';
import { migrationNameOf } from './file-name.js';

export interface NamedMigration {
  migration: MigrationInfo;
  /** Found among the applied migrations (false: among the pending ones). */
  applied: boolean;
  /** NAME as matched: the migration's name where NAME was its file, else NAME as given. */
  name: string;
}

export interface MigrationSides {
  /** The applied migrations, oldest first (the tool's history order). */
  applied: readonly MigrationInfo[];
  /** The pending ones, in the order the tool applies them. */
  pending: readonly MigrationInfo[];
}

export function findNamedMigration(given: string, sides: MigrationSides, prefer: 'applied' | 'pending'): NamedMigration | undefined {
  const name = migrationNameOf(given, [...sides.applied, ...sides.pending]);
  const order: Array<[readonly MigrationInfo[], boolean]> = prefer === 'applied' ? [[sides.applied, true], [sides.pending, false]] : [[sides.pending, false], [sides.applied, true]];
  for (const [list, applied] of order) {
    const migration = list.find((m) => m.name === name);
    if (migration) return { migration, applied, name };
  }
  for (const [list, applied] of order) {
    const tagged = (m: MigrationInfo) => m.tags?.includes(name) ?? false;
    const migration = applied ? list.findLast(tagged) : list.find(tagged);
    if (migration) return { migration, applied, name };
  }
  return undefined;
}
