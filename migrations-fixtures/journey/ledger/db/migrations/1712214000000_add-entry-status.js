exports.shorthands = undefined;

exports.up = (pgm) => {
  pgm.createType('entry_status', ['pending', 'posted']);
  pgm.addColumn('entries', {
    status: { type: 'entry_status', notNull: true, default: 'pending' },
  });
};

exports.down = (pgm) => {
  pgm.dropColumn('entries', 'status');
  pgm.dropType('entry_status');
};
