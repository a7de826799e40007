/**
 * Irreversible: 'void' and 'refunded' orders both become 'cancelled'; which
 * was which is lost, so no down can exist. Undo refuses; restore from a backup.
 */
export const up = (pgm) => {
  pgm.sql("UPDATE orders SET status = 'cancelled' WHERE status IN ('void', 'refunded')");
};

export const down = false;
