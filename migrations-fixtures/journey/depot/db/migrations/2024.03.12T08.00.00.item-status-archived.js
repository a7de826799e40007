'use strict';
// PostgreSQL cannot take a value out of an enum: no down.
module.exports = {
  up: async ({ context }) => {
    await context.query("ALTER TYPE item_status ADD VALUE IF NOT EXISTS 'archived'");
  },
};
