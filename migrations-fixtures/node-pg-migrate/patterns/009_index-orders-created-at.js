/** CREATE INDEX CONCURRENTLY cannot run inside a transaction block. */
export const up = (pgm) => {
  pgm.noTransaction();
  pgm.createIndex('orders', 'created_at', { name: 'orders_created_at_idx', concurrently: true });
};

export const down = (pgm) => {
  pgm.noTransaction();
  pgm.dropIndex('orders', 'created_at', { name: 'orders_created_at_idx', concurrently: true });
};
