/** CREATE INDEX CONCURRENTLY cannot run inside a transaction block. */
export const up = (pgm) => {
  pgm.noTransaction();
  pgm.createIndex('orders', 'customer_id', { name: 'orders_customer_id_idx', concurrently: true });
};

export const down = (pgm) => {
  pgm.noTransaction();
  pgm.dropIndex('orders', 'customer_id', { name: 'orders_customer_id_idx', concurrently: true });
};
