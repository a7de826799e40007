'use strict';
// CONCURRENTLY cannot run in a transaction: one pool.query each, autocommitted.
exports.up = async ({ context }) => {
  await context.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS stock_moves_item_id_idx ON stock_moves (item_id)');
};

exports.down = async ({ context }) => {
  await context.query('DROP INDEX CONCURRENTLY IF EXISTS stock_moves_item_id_idx');
};
