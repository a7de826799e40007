'use strict';

// PostgreSQL cannot drop an enum value: the team marks this migration
// irreversible the way the project always has, with a down that throws.
module.exports = {
  up: async (queryInterface) => {
    await queryInterface.sequelize.query("ALTER TYPE invoice_status ADD VALUE IF NOT EXISTS 'void'");
  },
  down: async () => {
    throw new Error('Irreversible migration: enum values cannot be removed from invoice_status');
  },
};
