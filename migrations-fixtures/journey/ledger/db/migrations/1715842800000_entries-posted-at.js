exports.shorthands = undefined;

exports.up = (pgm) => {
  pgm.addColumn('entries', { posted_at: { type: 'timestamptz' } });
  pgm.sql("UPDATE entries SET posted_at = created_at WHERE status = 'posted'");
};

exports.down = (pgm) => {
  pgm.dropColumn('entries', 'posted_at');
};
