/* eslint-disable camelcase */
const { PgLiteral } = require('node-pg-migrate');

exports.shorthands = {
  id: { type: 'serial', primaryKey: true },
  created_at: { type: 'timestamptz', notNull: true, default: new PgLiteral('current_timestamp') },
};

exports.up = (pgm) => {
  pgm.createTable('accounts', {
    id: 'id',
    email: { type: 'text', notNull: true, unique: true },
    name: { type: 'text' },
    legacy_ref: { type: 'varchar(20)' },
    created_at: 'created_at',
  });
  pgm.createTable('entries', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    amount_cents: { type: 'integer', notNull: true },
    memo: { type: 'text' },
    created_at: 'created_at',
  });
};

exports.down = (pgm) => {
  pgm.dropTable('entries');
  pgm.dropTable('accounts');
};
