/** A lookup table created and seeded in one migration, its sequence moved past the seeded ids. */
export const up = (pgm) => {
  pgm.createTable('plans', {
    id: 'id',
    code: { type: 'text', notNull: true, unique: true },
    monthly_cents: { type: 'integer', notNull: true },
  });
  pgm.sql("INSERT INTO plans (id, code, monthly_cents) VALUES (1, 'free', 0), (2, 'team', 1900), (3, 'business', 9900)");
  pgm.sql("SELECT setval(pg_get_serial_sequence('plans', 'id'), (SELECT max(id) FROM plans))");
};

export const down = (pgm) => {
  pgm.dropTable('plans');
};
