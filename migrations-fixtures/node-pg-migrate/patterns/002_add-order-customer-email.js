/**
 * Expand: a denormalised copy of the customer's email on each order, filled
 * from customers in the same migration. The column is new, so the backfill
 * changes no value that existed before; the inferred down (drop the column)
 * drops derived data only.
 */
export const up = (pgm) => {
  pgm.addColumns('orders', { customer_email: { type: 'text' } });
  pgm.sql('UPDATE orders o SET customer_email = (SELECT c.email FROM customers c WHERE c.id = o.customer_id)');
};

export const down = (pgm) => {
  pgm.dropColumns('orders', ['customer_email']);
};
