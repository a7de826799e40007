/** Breaking (old code still reads orders.note) but reversible: the down renames it back. */
export const up = (pgm) => {
  pgm.renameColumn('orders', 'note', 'customer_note');
};

export const down = (pgm) => {
  pgm.renameColumn('orders', 'customer_note', 'note');
};
