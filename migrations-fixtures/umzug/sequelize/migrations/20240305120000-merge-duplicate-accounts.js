'use strict';

module.exports = {
  up: async (queryInterface) => {
    await queryInterface.sequelize.query(`
      DELETE FROM accounts a
       USING accounts b
       WHERE lower(a.email) = lower(b.email) AND a.id > b.id`);
  },
  down: () => {
    throw new Error('cannot un-merge accounts: restore from a backup');
  },
};
