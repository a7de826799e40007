/* eslint-disable camelcase */
exports.shorthands = {
  id: { type: 'serial', primaryKey: true },
  created_at: { type: 'timestamptz', notNull: true, default: require('node-pg-migrate').PgLiteral.create('now()') },
};

exports.up = (pgm) => {
  pgm.createTable('owners', {
    id: 'id',
    email: { type: 'text', notNull: true, unique: true },
    full_name: { type: 'text', notNull: true },
    phone: { type: 'varchar(32)' },
    created_at: 'created_at',
  });
  pgm.createTable('pets', {
    id: 'id',
    owner_id: { type: 'integer', notNull: true, references: 'owners', onDelete: 'CASCADE' },
    name: { type: 'text', notNull: true },
    species: { type: 'text', notNull: true, default: 'dog' },
    created_at: 'created_at',
  });
  pgm.createIndex('pets', 'owner_id');
};

exports.down = (pgm) => {
  pgm.dropTable('pets');
  pgm.dropTable('owners');
};
