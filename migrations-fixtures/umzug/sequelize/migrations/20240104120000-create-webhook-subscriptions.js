'use strict';

module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('webhook_subscriptions', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      account_id: {
        type: Sequelize.INTEGER,
        allowNull: false,
        references: { model: 'accounts', key: 'id' },
        onDelete: 'CASCADE',
      },
      target_url: { type: Sequelize.STRING(255), allowNull: false },
      secret: { type: Sequelize.STRING(64) },
      created_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.literal('now()') },
    });
    await queryInterface.addIndex('webhook_subscriptions', ['account_id']);
  },
  async down(queryInterface) {
    await queryInterface.dropTable('webhook_subscriptions');
  },
};
