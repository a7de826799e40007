'use strict';

module.exports = {
  up: async (queryInterface) => {
    await queryInterface.sequelize.query('ALTER TABLE invoices ALTER COLUMN amount_cents TYPE bigint USING amount_cents::bigint');
  },
  down: async (queryInterface) => {
    await queryInterface.sequelize.query('ALTER TABLE invoices ALTER COLUMN amount_cents TYPE integer USING amount_cents::integer');
  },
};
