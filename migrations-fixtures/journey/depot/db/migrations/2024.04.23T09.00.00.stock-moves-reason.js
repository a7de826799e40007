'use strict';
const { inTransaction } = require('../tx');

exports.up = ({ context: pool }) =>
  inTransaction(pool, async (db) => {
    await db.query('ALTER TABLE stock_moves ADD COLUMN reason text');
    await db.query("UPDATE stock_moves SET reason = CASE WHEN delta < 0 THEN 'issue' ELSE 'receipt' END");
  });

exports.down = ({ context: pool }) => pool.query('ALTER TABLE stock_moves DROP COLUMN reason');
