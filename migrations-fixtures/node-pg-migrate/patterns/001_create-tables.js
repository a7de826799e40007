/** The base schema the patterns build on: customers, their orders, login sessions. */
export const up = (pgm) => {
  pgm.createType('order_status', ['pending', 'paid', 'cancelled']);
  pgm.createTable('customers', {
    id: { type: 'integer', primaryKey: true, sequenceGenerated: { precedence: 'BY DEFAULT' } },
    email: { type: 'text', notNull: true },
    name: { type: 'text', notNull: true },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.createTable('orders', {
    id: { type: 'integer', primaryKey: true, sequenceGenerated: { precedence: 'BY DEFAULT' } },
    customer_id: { type: 'integer', notNull: true, references: 'customers' },
    status: { type: 'order_status', notNull: true, default: 'pending' },
    note: { type: 'text' },
    total_cents: { type: 'integer', notNull: true, default: 0 },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.createTable('sessions', {
    id: { type: 'integer', primaryKey: true, sequenceGenerated: { precedence: 'BY DEFAULT' } },
    customer_id: { type: 'integer', notNull: true, references: 'customers' },
    expires_at: { type: 'timestamptz', notNull: true },
  });
};

export const down = (pgm) => {
  pgm.dropTable('sessions');
  pgm.dropTable('orders');
  pgm.dropTable('customers');
  pgm.dropType('order_status');
};
