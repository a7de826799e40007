'use strict';

module.exports = {
  up: async (queryInterface, Sequelize) => {
    await queryInterface.changeColumn('accounts', 'display_name', {
      type: Sequelize.STRING(120),
      allowNull: true,
    });
  },
  down: async (queryInterface, Sequelize) => {
    await queryInterface.changeColumn('accounts', 'display_name', {
      type: Sequelize.STRING(80),
      allowNull: true,
    });
  },
};
