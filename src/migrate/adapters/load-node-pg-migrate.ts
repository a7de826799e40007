/**
 * node-pg-migrate, loaded on first use: its two builds cost ~150 ms of start-up
 * that projects on another migration tool (and commands that never touch
 * migrations) should not pay.
 */
import type * as NodePgMigrate from 'node-pg-migrate';
import type * as NodePgMigrateRunner from 'node-pg-migrate/runner';

export interface NodePgMigrateModules {
  runner: typeof NodePgMigrate.runner;
  MigrationBuilder: typeof NodePgMigrate.MigrationBuilder;
  loadMigrations: typeof NodePgMigrateRunner.loadMigrations;
}

/** node-pg-migrate's advisory lock id (its PG_MIGRATE_LOCK_ID), held while it runs. */
export const PG_MIGRATE_LOCK_ID = 7241865325823964n;

let loading: Promise<NodePgMigrateModules> | undefined;

export function loadNodePgMigrate(): Promise<NodePgMigrateModules> {
  loading ??= Promise.all([import('node-pg-migrate'), import('node-pg-migrate/runner')]).then(([main, runnerBuild]) => {
    if (BigInt(main.PG_MIGRATE_LOCK_ID) !== PG_MIGRATE_LOCK_ID) {
      // A future node-pg-migrate with another lock id: dbrollback would not see it running.
      throw new Error(`node-pg-migrate's lock id changed (${main.PG_MIGRATE_LOCK_ID}); update dbrollback`);
    }
    return { runner: main.runner, MigrationBuilder: main.MigrationBuilder, loadMigrations: runnerBuild.loadMigrations };
  });
  return loading;
}
