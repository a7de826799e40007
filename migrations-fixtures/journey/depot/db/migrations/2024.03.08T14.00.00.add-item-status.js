'use strict';
const { inTransaction } = require('../tx');

exports.up = async ({ context: pool }) =>
  inTransaction(pool, async (db) => {
    await db.query("CREATE TYPE item_status AS ENUM ('active', 'discontinued')");
    await db.query("ALTER TABLE items ADD COLUMN status item_status NOT NULL DEFAULT 'active'");
  });

exports.down = async ({ context: pool }) =>
  inTransaction(pool, async (db) => {
    await db.query('ALTER TABLE items DROP COLUMN status');
    await db.query('DROP TYPE item_status');
  });
