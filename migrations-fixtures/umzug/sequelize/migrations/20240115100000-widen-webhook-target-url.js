'use strict';

// changeColumn sends three statements for one change: nullability, default
// and type (ALTER ... SET NOT NULL; ALTER ... DROP DEFAULT; ALTER ... TYPE
// VARCHAR(1024)). Only the type really changes, and varchar(255) → (1024)
// rewrites nothing.
module.exports = {
  up: async (queryInterface, Sequelize) => {
    await queryInterface.changeColumn('webhook_subscriptions', 'target_url', {
      type: Sequelize.STRING(1024),
      allowNull: false,
    });
  },
  down: async (queryInterface, Sequelize) => {
    await queryInterface.changeColumn('webhook_subscriptions', 'target_url', {
      type: Sequelize.STRING(255),
      allowNull: false,
    });
  },
};
