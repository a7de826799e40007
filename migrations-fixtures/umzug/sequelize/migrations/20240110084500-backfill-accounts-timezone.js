'use strict';

// A data migration that talks while it works: the project reads its progress
// in the deploy log. dbrollback must keep it off stdout.
module.exports = {
  up: async (queryInterface) => {
    console.log('Backfilling accounts.timezone…');
    const [, result] = await queryInterface.sequelize.query("UPDATE accounts SET timezone = 'UTC' WHERE timezone IS NULL");
    console.log(`Backfilled ${result.rowCount} accounts`);
  },
  down: async () => {
    // The column is dropped by the migration before this one; nothing to undo here.
  },
};
