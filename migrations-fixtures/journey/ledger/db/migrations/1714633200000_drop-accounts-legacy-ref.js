exports.shorthands = undefined;

// The old bookkeeping system is gone; nothing reads legacy_ref any more.
exports.up = (pgm) => {
  pgm.dropColumn('accounts', 'legacy_ref');
};

exports.down = (pgm) => {
  pgm.addColumn('accounts', { legacy_ref: { type: 'varchar(20)' } });
};
