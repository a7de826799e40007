'use strict';
const { inTransaction } = require('../tx');

module.exports = {
  up: ({ context: pool }) =>
    inTransaction(pool, async (db) => {
      await db.query(`CREATE TABLE reorder_rules (
        item_id integer PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
        min_qty integer NOT NULL,
        reorder_qty integer NOT NULL CHECK (reorder_qty > 0)
      )`);
    }),
  down: ({ context: pool }) => pool.query('DROP TABLE reorder_rules'),
};
