'use strict';
module.exports = {
  up: async ({ context }) => {
    await context.query("ALTER TABLE warehouses ADD COLUMN region text NOT NULL DEFAULT 'eu-west'");
  },
  down: async ({ context }) => {
    await context.query('ALTER TABLE warehouses DROP COLUMN region');
  },
};
