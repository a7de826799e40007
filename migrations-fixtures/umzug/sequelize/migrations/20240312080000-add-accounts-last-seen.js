'use strict';

module.exports = {
  up: async (queryInterface, Sequelize) => {
    await queryInterface.addColumn('accounts', 'last_seen_at', { type: Sequelize.DATE });
    await queryInterface.addIndex('accounts', ['last_seen_at'], { name: 'accounts_last_seen_idx' });
  },
  down: async (queryInterface) => {
    await queryInterface.removeIndex('accounts', 'accounts_last_seen_idx');
    await queryInterface.removeColumn('accounts', 'last_seen_at');
  },
};
