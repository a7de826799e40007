/** A data fix: emails lower-cased in place. The old spelling is gone: a real rewrite, no down possible. */
export const up = (pgm) => {
  pgm.sql('UPDATE customers SET email = lower(email) WHERE email <> lower(email)');
};

export const down = false;
