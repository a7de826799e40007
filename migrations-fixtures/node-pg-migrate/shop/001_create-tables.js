/** The shop's first schema: customers, products, orders and their items. */
export const up = (pgm) => {
  pgm.createTable('customers', {
    id: 'id',
    email: { type: 'text', notNull: true, unique: true },
    name: { type: 'text', notNull: true },
    legacy_code: { type: 'text' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.createTable('products', {
    id: 'id',
    sku: { type: 'text', notNull: true, unique: true },
    sku_normalized: { type: 'text' },
    name: { type: 'text', notNull: true },
    price_cents: { type: 'integer', notNull: true, check: 'price_cents >= 0' },
  });
  pgm.createTable('orders', {
    id: 'id',
    customer_id: { type: 'integer', notNull: true, references: 'customers' },
    status: { type: 'text', notNull: true, default: 'pending' },
    note: { type: 'text' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.createTable('order_items', {
    id: 'id',
    order_id: { type: 'integer', notNull: true, references: 'orders', onDelete: 'CASCADE' },
    product_id: { type: 'integer', notNull: true, references: 'products' },
    quantity: { type: 'integer', notNull: true, check: 'quantity > 0' },
    unit_price_cents: { type: 'integer', notNull: true },
  });
};

export const down = (pgm) => {
  pgm.dropTable('order_items');
  pgm.dropTable('orders');
  pgm.dropTable('products');
  pgm.dropTable('customers');
};
