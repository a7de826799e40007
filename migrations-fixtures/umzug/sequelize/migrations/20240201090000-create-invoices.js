'use strict';

module.exports = {
  up: async (queryInterface, Sequelize) => {
    await queryInterface.sequelize.query("CREATE TYPE invoice_status AS ENUM ('draft', 'open', 'paid')");
    await queryInterface.createTable('invoices', {
      id: { type: Sequelize.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      account_id: { type: Sequelize.INTEGER, allowNull: false, references: { model: 'accounts', key: 'id' } },
      status: { type: 'invoice_status', allowNull: false, defaultValue: 'draft' },
      amount_cents: { type: Sequelize.INTEGER, allowNull: false },
      issued_at: { type: Sequelize.DATE },
    });
    await queryInterface.addIndex('invoices', ['account_id', 'status'], { name: 'invoices_account_status' });
  },
  down: async (queryInterface) => {
    await queryInterface.dropTable('invoices');
    await queryInterface.sequelize.query('DROP TYPE invoice_status');
  },
};
