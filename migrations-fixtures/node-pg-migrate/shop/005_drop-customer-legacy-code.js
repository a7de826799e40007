/** Destructive: the down re-adds the column, but empty — the dropped values are gone. */
export const up = (pgm) => {
  pgm.dropColumns('customers', ['legacy_code']);
};

export const down = (pgm) => {
  pgm.addColumns('customers', { legacy_code: { type: 'text' } });
};
