'use strict';
// Items nobody has moved stock for since the old system stopped are discontinued.
module.exports = {
  async up({ context }) {
    await context.query(`UPDATE items SET status = 'discontinued'
      WHERE qty = 0 AND NOT EXISTS (SELECT 1 FROM stock_moves m WHERE m.item_id = items.id AND m.moved_at > now() - interval '30 days')`);
  },
  async down() {
    throw new Error('Irreversible: the statuses the backfill replaced are not kept anywhere');
  },
};
