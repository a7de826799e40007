// CONCURRENTLY cannot run in a transaction: Knex runs this one outside of one.
exports.config = { transaction: false };

exports.up = function (knex) {
  return knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_class_id_index ON bookings (class_id)');
};

exports.down = function (knex) {
  return knex.raw('DROP INDEX CONCURRENTLY IF EXISTS bookings_class_id_index');
};
