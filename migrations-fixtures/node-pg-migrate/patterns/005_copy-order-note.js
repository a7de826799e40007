/** Expand/contract rename of orders.note to delivery_note, expand step: the new column is a copy of the old. */
export const up = (pgm) => {
  pgm.addColumn('orders', { delivery_note: { type: 'text' } });
  pgm.sql('UPDATE orders SET delivery_note = note WHERE note IS NOT NULL');
};

export const down = (pgm) => {
  pgm.dropColumn('orders', 'delivery_note');
};
