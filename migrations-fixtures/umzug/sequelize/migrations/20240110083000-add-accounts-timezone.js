'use strict';

module.exports = {
  up: (queryInterface, Sequelize) =>
    queryInterface.addColumn('accounts', 'timezone', { type: Sequelize.STRING(64), allowNull: true }),
  down: (queryInterface) => queryInterface.removeColumn('accounts', 'timezone'),
};
