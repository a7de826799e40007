'use strict';
const { inTransaction } = require('../tx');

module.exports = {
  async up({ context: pool }) {
    await inTransaction(pool, async (db) => {
      await db.query(`CREATE TABLE warehouses (
        id serial PRIMARY KEY,
        code text NOT NULL UNIQUE,
        name text NOT NULL
      )`);
      await db.query(`CREATE TABLE items (
        id serial PRIMARY KEY,
        warehouse_id integer NOT NULL REFERENCES warehouses (id),
        label text NOT NULL,
        legacy_sku varchar(24),
        qty integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
      await db.query(`CREATE TABLE stock_moves (
        id bigserial PRIMARY KEY,
        item_id integer NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        delta integer NOT NULL,
        moved_at timestamptz NOT NULL DEFAULT now()
      )`);
    });
  },
  async down({ context: pool }) {
    await pool.query('DROP TABLE stock_moves, items, warehouses');
  },
};
