/** Clean-up of obsolete rows: expired sessions are deleted for good. */
export const up = (pgm) => {
  pgm.sql('DELETE FROM sessions WHERE expires_at < now()');
};

export const down = false;
