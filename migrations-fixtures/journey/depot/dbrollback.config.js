'use strict';
/**
 * dbrollback's view of the project, in the project's own module system
 * (CommonJS): the same migrator `npm run migrate` uses, made for the URL
 * dbrollback gives, and its pool closed when dbrollback is done.
 */
const { makeMigrator } = require('./db/umzug');

module.exports = {
  umzug: ({ databaseUrl }) => makeMigrator({ connectionString: databaseUrl }),
  closeUmzug: (instance) => instance.options.context.end(),
  // The storage's table: undo changes its rows, and verify expects that.
  migrationsTable: 'migration_log',
};
