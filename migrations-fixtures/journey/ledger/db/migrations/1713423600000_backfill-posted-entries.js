exports.shorthands = undefined;

// Entries older than a day were settled before statuses existed.
exports.up = (pgm) => {
  pgm.sql(`
    UPDATE entries
       SET status = 'posted'
     WHERE status = 'pending'
       AND created_at < now() - interval '1 day'
  `);
};

exports.down = false;
