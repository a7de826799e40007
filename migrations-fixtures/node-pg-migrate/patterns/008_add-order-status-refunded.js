/** A new enum value: additive, one-way in PostgreSQL; the down recreates the type without it. */
export const up = (pgm) => {
  pgm.addTypeValue('order_status', 'refunded');
};

export const down = (pgm) => {
  pgm.renameType('order_status', 'order_status_old');
  pgm.createType('order_status', ['pending', 'paid', 'cancelled']);
  pgm.sql(`ALTER TABLE orders
    ALTER COLUMN status DROP DEFAULT,
    ALTER COLUMN status TYPE order_status USING status::text::order_status,
    ALTER COLUMN status SET DEFAULT 'pending'`);
  pgm.dropType('order_status_old');
};
