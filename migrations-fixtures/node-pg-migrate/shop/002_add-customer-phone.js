/**
 * Additive: a nullable column. No down is written — node-pg-migrate infers
 * it (addColumns reverses to dropColumns), so dbrollback reports `inferred`.
 */
export const up = (pgm) => {
  pgm.addColumns('customers', { phone: { type: 'text' } });
};
