exports.shorthands = undefined;

// The front desk scans chips at drop-off; the down drops the column and what was scanned into it.
exports.up = (pgm) => {
  pgm.addColumn('pets', {
    microchip: { type: 'varchar(15)' },
  });
  pgm.addConstraint('pets', 'pets_microchip_key', { unique: 'microchip' });
};

exports.down = (pgm) => {
  pgm.dropConstraint('pets', 'pets_microchip_key');
  pgm.dropColumn('pets', 'microchip');
};
