/**
 * node-pg-migrate, loaded on first use: its code costs start-up time that
 * projects on another migration tool (and commands that never touch
 * migrations) should not pay. Everything comes from one of its two builds —
 * the per-module one, the only one exporting `loadMigrations` — so a run
 * loads node-pg-migrate once, not twice.
 */
import type * as Runner from 'node-pg-migrate/runner';
import { DbrollbackError } from '../../errors.js';
import type * as Builder from 'node-pg-migrate/migrationBuilder';

export interface NodePgMigrateModules {
  runner: typeof Runner.runner;
  MigrationBuilder: typeof Builder.MigrationBuilder;
  loadMigrations: typeof Runner.loadMigrations;
}

/** node-pg-migrate's advisory lock id (its PG_MIGRATE_LOCK_ID), held while it runs. */
export const PG_MIGRATE_LOCK_ID = 7241865325823964n;

let loading: Promise<NodePgMigrateModules> | undefined;

export function loadNodePgMigrate(): Promise<NodePgMigrateModules> {
  loading ??= Promise.all([import('node-pg-migrate/runner'), import('node-pg-migrate/migrationBuilder')]).then(([runnerBuild, builder]) => {
    if (BigInt(runnerBuild.PG_MIGRATE_LOCK_ID) !== PG_MIGRATE_LOCK_ID) {
      // A future node-pg-migrate with another lock id: dbrollback would not see it running.
      throw new DbrollbackError('INTERNAL', `node-pg-migrate's lock id changed (${runnerBuild.PG_MIGRATE_LOCK_ID}), so dbrollback could not see it running`, {
        hint: 'Install the node-pg-migrate major this dbrollback supports (9), or upgrade dbrollback.',
      });
    }
    return { runner: runnerBuild.runner, MigrationBuilder: builder.MigrationBuilder, loadMigrations: runnerBuild.loadMigrations };
  });
  return loading;
}
