exports.shorthands = undefined;

// Phones moved to the CRM; the column goes. The down brings the column back, empty.
exports.up = (pgm) => {
  pgm.dropColumn('owners', 'phone');
};

exports.down = (pgm) => {
  pgm.addColumn('owners', { phone: { type: 'varchar(32)' } });
};
