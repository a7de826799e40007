/** "Add nullable, backfill, then constrain", second step: breaking for an app that omits the email; the down lifts it. */
export const up = (pgm) => {
  pgm.alterColumn('orders', 'customer_email', { notNull: true });
};

export const down = (pgm) => {
  pgm.alterColumn('orders', 'customer_email', { notNull: false });
};
